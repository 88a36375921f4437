import type { AnyEvent } from "../events/types.js";

/**
 * Observes runs as they go, for tracing, metrics or logs: the `instrument` run option. It knows
 * neither XState nor OpenTelemetry (`otelTracing()` of `stepchart/telemetry` is one). A run asks
 * it once, as it starts or resumes in this process, for the observer of that run; every step
 * attempt of the run then asks that observer for the observer of the attempt, which runs the step
 * body (so it can make its own context current around it). Callbacks are called synchronously on
 * the run's path and must not throw.
 *
 * @example
 * ```ts
 * const timings: Instrumentation = {
 *   startRun: ({ workflow }) => ({
 *     startAttempt: ({ step }) => {
 *       const started = performance.now();
 *       return { run: (body) => body(), end: () => console.log(workflow, step, performance.now() - started) };
 *     },
 *     end: () => undefined,
 *   }),
 * };
 * await wf.run(input, { instrument: timings });
 * ```
 */
export interface Instrumentation {
  /** A run starts, or resumes, in this process: its observer, or `undefined` to leave it alone. */
  startRun(run: RunInfo): RunObserver | undefined;
}

/**
 * The run an {@link Instrumentation} is asked about.
 *
 * @example
 * ```ts
 * const info: RunInfo = { workflow: "approval", runId: "tea-1", resumed: false };
 * ```
 */
export interface RunInfo {
  readonly workflow: string;
  readonly runId: string;
  /** Continued from a snapshot or a store (its earlier part ran before, maybe in another process). */
  readonly resumed: boolean;
}

/**
 * Observes one run in this process, from its start (or resume) to its end here.
 *
 * @example
 * ```ts
 * const observer: RunObserver = { startAttempt: () => undefined, end: (end) => console.log(end.status) };
 * ```
 */
export interface RunObserver {
  /** An attempt of a step starts (a retry is a new attempt): its observer, or `undefined`. */
  startAttempt(attempt: StepAttemptInfo): StepAttemptObserver | undefined;
  /** An event came from outside the run (a person's answer, `handler.sendEvent`, a store delivery). */
  received?(event: AnyEvent): void;
  /** The run ended here. Called once. */
  end(end: RunEnd): void;
}

/**
 * One attempt of a step.
 *
 * @example
 * ```ts
 * const info: StepAttemptInfo = { step: "draft", invocation: 0, attempt: 1, event: "StartEvent" };
 * ```
 */
export interface StepAttemptInfo {
  readonly step: string;
  /** The invocation's number in the run (its attempts share it). */
  readonly invocation: number;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The type of the event the step accepted. */
  readonly event: string;
}

/**
 * Observes one attempt of a step.
 *
 * @example
 * ```ts
 * const attempt: StepAttemptObserver = { run: (body) => body(), end: (end) => console.log(end.status) };
 * ```
 */
export interface StepAttemptObserver {
  /**
   * Calls the step body (`body()`, once, returning what it returns): an implementation can make
   * its own context current around it, so what the body starts (an LLM call) belongs to the attempt.
   */
  run<T>(body: () => T): T;
  /** The attempt sent an event (`ctx.sendEvent`). */
  sent?(type: string): void;
  /** A `ctx.waitForEvent` started waiting; `prompt` is the event it asked with (an InputRequiredEvent). */
  waiting?(type: string, prompt: AnyEvent | undefined): void;
  /** A `ctx.collectEvents` completed: the events it collected, in order. */
  collected?(types: readonly string[]): void;
  /** A call to a model (`stepchart/openai` with `{ ctx }`): `call` performs it and reports its result. */
  modelCall?<T>(info: ModelCallInfo, call: (report: (result: ModelCallResult) => void) => Promise<T>): Promise<T>;
  /** The attempt ended. Called once. */
  end(end: AttemptEnd): void;
}

/**
 * How an attempt ended: the step returned (`output`: the type of the event it returned, `null` for
 * none); it threw (`retryDelay`: the milliseconds before the next attempt, `null` when the retry
 * policy gives up and the step fails); or it was stopped from outside (the run ended, was
 * cancelled or detached), its body perhaps still running.
 *
 * @example
 * ```ts
 * const end: AttemptEnd = { status: "failed", error: new Error("503"), retryDelay: 200 };
 * ```
 */
export type AttemptEnd =
  | { readonly status: "returned"; readonly output: string | null }
  | { readonly status: "failed"; readonly error: unknown; readonly retryDelay: number | null }
  | { readonly status: "stopped"; readonly reason: unknown };

/**
 * How a run ended in this process: completed with its StopEvent; failed, timed out or cancelled
 * (`error`: the `WorkflowError` its handler rejects with); or `stopped` here while it goes on
 * elsewhere (detached, taken over by another runner; `reason` says which).
 *
 * @example
 * ```ts
 * const end: RunEnd = { status: "completed" };
 * ```
 */
export type RunEnd =
  | { readonly status: "completed" }
  | { readonly status: "failed" | "timedOut" | "cancelled"; readonly error: unknown }
  | { readonly status: "stopped"; readonly reason: unknown };

/**
 * A call to a model, as the OpenTelemetry GenAI conventions describe one.
 *
 * @example
 * ```ts
 * const info: ModelCallInfo = { operation: "chat", provider: "openai", model: "gpt-4o-mini", output: "text" };
 * ```
 */
export interface ModelCallInfo {
  /** `"chat"`, `"embeddings"`, ... */
  readonly operation: string;
  /** Who serves the API: `"openai"` for the OpenAI API and compatible servers. */
  readonly provider: string;
  /** The model asked for. */
  readonly model: string;
  readonly serverAddress?: string | undefined;
  readonly serverPort?: number | undefined;
  /** What the answer is asked to be: `"text"`, `"json"`. */
  readonly output?: string | undefined;
}

/**
 * What a model call reported, as far as the server said.
 *
 * @example
 * ```ts
 * const result: ModelCallResult = { model: "gpt-4o-mini-2024-07-18", inputTokens: 12, outputTokens: 40 };
 * ```
 */
export interface ModelCallResult {
  /** The model that answered. */
  readonly model?: string | undefined;
  readonly responseId?: string | undefined;
  readonly finishReasons?: readonly string[] | undefined;
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
}
