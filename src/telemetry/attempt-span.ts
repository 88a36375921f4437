import type { Context, Span } from "@opentelemetry/api";
import type { AnyEvent } from "../events/types.js";
import type {
  AttemptEnd,
  ModelCallInfo,
  ModelCallResult,
  StepAttemptInfo,
  StepAttemptObserver,
} from "../execution/instrument.js";
import { TelemetryAttributes as A, TelemetryEvents as E } from "./attributes.js";
import { modelCallSpan } from "./model-call-span.js";
import { codeOf, recordFailure } from "./otel.js";
import type { RunScope } from "./scope.js";

const INPUT_REQUIRED = "InputRequiredEvent";

/**
 * What timed out, by the code of the error an attempt failed with. A Map, not an object literal:
 * a user's error code may be "toString" or "constructor", which every object has.
 */
const timeouts: ReadonlyMap<string, string> = new Map([
  ["STEP_TIMEOUT", "step"],
  ["WAIT_TIMEOUT", "wait"],
]);

/**
 * The span of one step attempt (`step <name>`), a child of its run's span, current while the step
 * body runs: a span the body starts (an LLM call, a query) is its child.
 */
export class AttemptSpan implements StepAttemptObserver {
  readonly #run: RunScope;
  readonly #info: StepAttemptInfo;
  readonly #span: Span;
  readonly #context: Context;
  /** The types the attempt produced, once each, in order. */
  readonly #emitted: string[] = [];

  constructor(run: RunScope, info: StepAttemptInfo) {
    const { otel, tracer } = run;
    this.#run = run;
    this.#info = info;
    this.#span = tracer.startSpan(
      `step ${info.step}`,
      {
        kind: otel.SpanKind.INTERNAL,
        attributes: {
          [A.workflow]: run.info.workflow,
          [A.runId]: run.info.runId,
          [A.step]: info.step,
          [A.invocation]: info.invocation,
          [A.attempt]: info.attempt,
          [A.acceptedEvent]: info.event,
        },
      },
      run.context,
    );
    this.#context = otel.trace.setSpan(run.context, this.#span);
  }

  run<T>(body: () => T): T {
    return this.#run.otel.context.with(this.#context, body);
  }

  sent(type: string): void {
    this.#emit(type);
  }

  waiting(type: string, prompt: AnyEvent | undefined): void {
    this.#span.addEvent(E.waitStarted, { [A.waitEventType]: type, [A.waitPrompt]: prompt !== undefined });
    if (prompt) this.#emit(prompt.type);
  }

  collected(types: readonly string[]): void {
    this.#span.addEvent(E.collectCompleted, { [A.collectedEvents]: [...types], [A.collectedCount]: types.length });
  }

  modelCall<T>(info: ModelCallInfo, call: (report: (result: ModelCallResult) => void) => Promise<T>): Promise<T> {
    if (!this.#run.modelCalls) return call(() => undefined);
    return modelCallSpan(this.#run, this.#span, this.#context, info, call);
  }

  end(end: AttemptEnd): void {
    const span = this.#span;
    if (end.status === "returned") {
      if (end.output !== null) this.#emit(end.output);
      span.setAttribute(A.stepOutcome, "returned");
    } else if (end.status === "failed") this.#failed(end.error, end.retryDelay);
    else span.setAttribute(A.stepOutcome, "stopped");
    span.setAttribute(A.emittedEvents, this.#emitted);
    span.end();
  }

  #failed(error: unknown, retryDelay: number | null): void {
    const span = this.#span;
    const kind = timeouts.get(codeOf(error) ?? "");
    if (kind) {
      const ms = (error as { timeout?: unknown }).timeout;
      span.addEvent(E.timeout, { [A.timeoutKind]: kind, ...(typeof ms === "number" ? { [A.timeoutMs]: ms } : {}) });
    }
    recordFailure(this.#run.otel, span, error);
    span.setAttribute(A.stepOutcome, retryDelay === null ? "failed" : "retrying");
    if (retryDelay !== null)
      span.addEvent(E.retry, { [A.retryDelay]: retryDelay, [A.nextAttempt]: this.#info.attempt + 1 });
  }

  /** An event the attempt produced; a prompt for a person is also an event of the run's span. */
  #emit(type: string): void {
    if (!this.#emitted.includes(type)) this.#emitted.push(type);
    if (type === INPUT_REQUIRED) {
      this.#run.span.addEvent(E.inputRequired, { [A.step]: this.#info.step, [A.invocation]: this.#info.invocation });
    }
  }
}
