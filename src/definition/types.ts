import type { z } from "zod/v4";
import type { ErrorInfo } from "../errors.js";
import type { AnyEvent, AnyEventDef, EventOf, EventsOf, FieldsSchema, NotInEmits, StepEmits } from "../events/types.js";
import type { MachineShape } from "./shape.js";
import type { FreeState, StateAccessOf } from "./state-types.js";

export type { FreeState, FreeStateAccess, StateOf, TypedStateAccess } from "./state-types.js";

/**
 * When and how often a failing step is tried again.
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { attempts: 4, delay: 200, backoff: "exponential", maxDelay: 2_000, jitter: true };
 * ```
 */
export interface RetryPolicy {
  /** Every attempt, the first included. `1` means no retry. */
  readonly attempts: number;
  /** Milliseconds before the second attempt. @default 0 */
  readonly delay?: number;
  /** `"fixed"`: always `delay`; `"exponential"`: `delay * 2^(n-1)` before attempt n+1. @default "fixed" */
  readonly backoff?: "fixed" | "exponential";
  /** Upper bound of any delay. */
  readonly maxDelay?: number;
  /** Draw each delay uniformly in [0, delay] from a generator seeded by run id, step and attempt. */
  readonly jitter?: boolean;
  /** Return false to fail at once instead of retrying. `attempt` is the attempt that just failed. */
  readonly retryIf?: (error: unknown, attempt: number) => boolean;
}

/**
 * The `timeout` workflow option in its long form.
 *
 * @example
 * ```ts
 * // The clock stops while a person is thinking.
 * workflow({ name: "approval", timeout: { run: 60_000, whileWaiting: false } });
 * ```
 */
export interface RunTimeout {
  /** Milliseconds for the whole run; `null` disables. */
  readonly run: number | null;
  /** Whether time spent waiting for human input counts. @default true */
  readonly whileWaiting?: boolean;
}

/**
 * Options of one step (the second argument of `.step()` or of `@step()`).
 *
 * @example
 * ```ts
 * workflow({ name: "qa", stop: Answer }).step(
 *   "answer",
 *   { accepts: Query, emits: [Answer], numWorkers: 2, timeout: 10_000, retry: { attempts: 3 } },
 *   async (_ctx, ev) => Answer({ result: { text: ev.q } }),
 * );
 * ```
 */
export interface StepOptions<
  TAccepts extends AnyEventDef | readonly AnyEventDef[] = AnyEventDef | readonly AnyEventDef[],
  TEmits extends readonly AnyEventDef[] = readonly AnyEventDef[],
  TAwaits extends readonly AnyEventDef[] = readonly AnyEventDef[],
> {
  /** The event type (or list of types: a union) this step runs on. */
  readonly accepts: TAccepts;
  /** Every event type the step may return or send with `ctx.sendEvent`. */
  readonly emits: TEmits;
  /** Event types the step waits for with `ctx.waitForEvent` (other than HumanResponseEvent). */
  readonly awaits?: TAwaits;
  /** How many invocations of this step may run at once. @default 4 */
  readonly numWorkers?: number;
  /** Retry policy for a throwing step. @default no retry */
  readonly retry?: RetryPolicy;
  /** Milliseconds per attempt; on expiry `ctx.signal` aborts and the attempt fails with `StepTimeoutError`. */
  readonly timeout?: number;
  /** What a restored run does with this step's interrupted invocations. @default "rerun" */
  readonly onRestore?: "rerun" | "fail";
}

/**
 * What a step's attempt knows about earlier attempts.
 *
 * @example
 * ```ts
 * workflow({ name: "call" }).step("call", { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3 } }, async (ctx) => {
 *   const { number, lastError } = ctx.attempt;
 *   if (number > 1) console.log(`attempt ${number} after ${lastError?.message}`);
 *   return StopEvent({ result: number });
 * });
 * ```
 */
export interface AttemptInfo {
  /** 1 on the first attempt. */
  readonly number: number;
  readonly lastError?: ErrorInfo;
}

/**
 * Options of `ctx.waitForEvent`.
 *
 * @example
 * ```ts
 * const reply = await ctx.waitForEvent(HumanResponseEvent, {
 *   prompt: InputRequiredEvent({ prefix: "Approve? " }),
 *   where: (ev) => ev.response.trim() !== "",
 *   timeout: 60_000,
 * });
 * ```
 */
export interface WaitOptions<TEvent> {
  /** A predicate, or an object of field values the event must match. */
  readonly where?: ((event: TEvent) => boolean) | Partial<TEvent>;
  /** Milliseconds; then the attempt fails with `WaitTimeoutError`. */
  readonly timeout?: number;
  /** Published before waiting (typically an `InputRequiredEvent`). */
  readonly prompt?: AnyEvent;
}

/**
 * The type parameters of a workflow, bundled so public types stay short.
 *
 * @example
 * ```ts
 * type QaTypes = typeof qa extends Workflow<infer T extends WorkflowTypes> ? T : never;
 * type QaInput = InputOf<QaTypes["start"]>; // what qa.run() takes
 * ```
 */
export interface WorkflowTypes {
  readonly start: AnyEventDef;
  readonly stop: AnyEventDef;
  /** The state's `ctx.get/set/update`: `TypedStateAccess<values, defaulted keys>`, or `FreeState` without a schema. */
  readonly state: object;
  readonly resources: object;
  /** Every event definition the workflow's steps accept or await (what may come from outside). */
  readonly accepted: AnyEventDef;
}

/** The erased form, as the class front-end and runtime internals see a workflow. */
export interface AnyWorkflowTypes extends WorkflowTypes {
  readonly start: AnyEventDef;
  readonly stop: AnyEventDef;
  readonly state: FreeState;
  // biome-ignore lint/suspicious/noExplicitAny: resources are user objects of any shape when undeclared
  readonly resources: Record<string, any>;
  readonly accepted: AnyEventDef;
}

type CollectResult<TList extends readonly AnyEventDef[]> = { -readonly [K in keyof TList]: EventOf<TList[K]> };

/**
 * What `sendEvent` takes: an emitted event; one of another type is the {@link NotInEmits} message
 * (one of an emitted type with wrong fields is checked against the emitted events as usual).
 */
type Emitted<TEvent extends AnyEvent, TEmit extends AnyEvent> = TEvent extends TEmit
  ? TEvent
  : TEvent extends { readonly type: TEmit["type"] }
    ? TEmit
    : NotInEmits<TEvent["type"], TEmit["type"]>;

/**
 * The context a step receives: run state, routing, streaming, fan-in, human input, cancellation.
 *
 * @example
 * ```ts
 * workflow({ name: "counter" }).step("count", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
 *   const n = ctx.update<number>("count", (c = 0) => c + 1);
 *   ctx.writeEventToStream(Progress({ n }));
 *   return StopEvent({ result: n });
 * });
 * ```
 */
export type StepContext<
  TTypes extends WorkflowTypes = AnyWorkflowTypes,
  TEmit extends AnyEvent = AnyEvent,
  TAccepted extends AnyEvent = AnyEvent,
  // Resolved at once to the parts a context uses: were `TTypes` (whose event definitions hold zod
  // schemas) a type argument of the result, inferring a builder step's types would compare those
  // schemas, and the first such comparison costs ~75k type instantiations.
> = TTypes extends unknown ? Context<TTypes["resources"], TTypes["state"], TEmit, TAccepted> : never;

/**
 * The step context by its parts: what `ctx` is in a builder step (see {@link StepContext}), and the
 * annotation of `ctx` in the class front-end, where `Context<Resources>` types `ctx.resources`.
 *
 * @example
 * ```ts
 * interface Resources { index: Index }
 * class Rag extends Workflow {
 *   @step({ accepts: StartEvent, emits: [Retrieved] })
 *   async retrieve(ctx: Context<Resources>, ev: StartEvent) {
 *     return Retrieved({ query: String(ev.query), passages: await ctx.resources.index.search(String(ev.query)) });
 *   }
 * }
 * ```
 */
export type Context<
  // biome-ignore lint/suspicious/noExplicitAny: resources are user objects of any shape when undeclared
  TResources extends object = Record<string, any>,
  TState = FreeState,
  TEmit extends AnyEvent = AnyEvent,
  TAccepted extends AnyEvent = AnyEvent,
> = StateAccessOf<TState> & {
  /** The run's id. */
  readonly runId: string;
  /** Aborted on cancel, run or step timeout, or when the run ends while this step still runs. */
  readonly signal: AbortSignal;
  /** Objects given to `run`/`toMachine` (an index, a client). Not persisted. */
  readonly resources: TResources;
  /** This attempt's number (1-based) and the previous attempt's error. */
  readonly attempt: AttemptInfo;
  /**
   * Routes an extra event (fan-out): to every step that accepts it, or only to `step`. An event
   * whose type is not in the step's `emits` is a type error that names both.
   */
  sendEvent<TEvent extends AnyEvent>(event: Emitted<TEvent, TEmit>, options?: { step?: string }): void;
  /** Publishes an event to the run's stream only (not routed to steps). */
  writeEventToStream(event: AnyEvent): void;
  /**
   * Fan-in: buffers `event` and returns the whole set once it has arrived (else `null`).
   * List form: the events in the listed order.
   */
  collectEvents<const TList extends readonly AnyEventDef[]>(
    event: TAccepted,
    expected: TList,
  ): CollectResult<TList> | null;
  /** Count form: `{ A: 3, B: 1 }`, O(1) per call; events in key order, arrival order within a type. */
  collectEvents<const TCounts extends Partial<Record<TAccepted["type"], number>>>(
    event: TAccepted,
    expected: TCounts,
  ): Extract<TAccepted, { type: keyof TCounts }>[] | null;
  /** Suspends this invocation until a matching event arrives. */
  waitForEvent<TDef extends AnyEventDef>(type: TDef, options?: WaitOptions<EventOf<TDef>>): Promise<EventOf<TDef>>;
  /**
   * Runs a side effect once per invocation (an LLM call, an HTTP request): its result (JSON) is
   * journaled in the run's snapshot, and checkpointed before this resolves when the run has a
   * store. A step that re-runs after a restore gets the journaled result without calling `fn`.
   * If `fn` throws, nothing is journaled and the error is the step's.
   */
  run<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
};

/**
 * What a step function may return: one of its declared events, or nothing. (`StepEmits` is no
 * value's type: it tells an event factory called in a `return` which events the step emits.)
 */
// biome-ignore lint/suspicious/noConfusingVoidType: `void` lets a step end without `return`
export type StepReturn<TEmit> = TEmit | undefined | null | void | StepEmits<TypeOf<TEmit>>;

/** The `type` of an event (of each, for a union). */
type TypeOf<TEvent> = TEvent extends { readonly type: infer T extends string } ? T : never;

/** A step function as the runtime calls it (erased). */
export type AnyStepFn = (ctx: StepContext, event: AnyEvent) => unknown;

/**
 * One step of a definition, as validation, the compiler and drawing see it.
 *
 * @example
 * ```ts
 * for (const s of wf.definition.steps) {
 *   console.log(s.name, s.accepts.map((d) => d.type), "->", s.emits.map((d) => d.type));
 * }
 * ```
 */
export interface StepDefinition {
  readonly name: string;
  readonly accepts: readonly AnyEventDef[];
  readonly emits: readonly AnyEventDef[];
  readonly awaits: readonly AnyEventDef[];
  readonly numWorkers: number;
  readonly retry: RetryPolicy | undefined;
  readonly timeout: number | undefined;
  readonly onRestore: "rerun" | "fail";
  readonly fn: AnyStepFn;
}

/**
 * Options of a workflow (the argument of `workflow()` or of a `Workflow` subclass constructor).
 *
 * @example
 * ```ts
 * const qa = workflow({ name: "qa", start: QueryStart, stop: Answer, state: QaState, timeout: 30_000 });
 * const echo = new EchoFlow({ timeout: null, verbose: true });
 * ```
 */
export interface WorkflowOptions<
  TStart extends AnyEventDef = AnyEventDef,
  TStop extends AnyEventDef = AnyEventDef,
  TState extends FieldsSchema | undefined = FieldsSchema | undefined,
  TResources extends object = object,
> {
  /** Shown in errors, drawings and the machine id. @default "workflow" */
  readonly name?: string;
  /** The start event (its fields are the run input). @default StartEvent */
  readonly start?: TStart;
  /** The stop event (its `result` is the run result). @default StopEvent */
  readonly stop?: TStop;
  /** A zod object for typed state: unknown keys rejected, `.default()`s give initial values. */
  readonly state?: TState;
  /** Milliseconds for the whole run, `null` for none, or `{ run, whileWaiting }`. @default 45_000 */
  readonly timeout?: number | null | RunTimeout;
  /** Default resources for every run (merged under the run's own). */
  readonly resources?: TResources;
  /** Key for HMAC-signed snapshots. */
  readonly snapshotSecret?: string;
  /** Event types that only ever come from outside the run (through `handler.sendEvent`). */
  readonly external?: readonly AnyEventDef[];
  /** Log step starts and finishes to stderr. @default false */
  readonly verbose?: boolean;
  /** The machine the workflow compiles to (see {@link MachineShape}). @default "statechart" */
  readonly shape?: MachineShape;
}

/**
 * The immutable description of a workflow that every consumer (validation, compiler, drawing) reads.
 *
 * @example
 * ```ts
 * const { name, timeout, steps } = wf.definition;
 * console.log(name, timeout.run, steps.map((s) => s.name));
 * ```
 */
export interface WorkflowDefinition {
  readonly name: string;
  readonly start: AnyEventDef;
  readonly stop: AnyEventDef;
  readonly state: FieldsSchema | undefined;
  readonly timeout: { readonly run: number | null; readonly whileWaiting: boolean };
  readonly resources: Readonly<Record<string, unknown>>;
  readonly snapshotSecret: string | undefined;
  readonly external: readonly AnyEventDef[];
  readonly verbose: boolean;
  readonly shape: MachineShape;
  readonly steps: readonly StepDefinition[];
}

/**
 * The run input a start event definition takes.
 *
 * @example
 * ```ts
 * const QueryStart = startEvent({ query: z.string(), topK: z.number().default(3) });
 * type Input = InputOf<typeof QueryStart>; // { query: string; topK?: number }
 * ```
 */
export type InputOf<TStart> = TStart extends { schema: infer S extends z.core.$ZodType } ? z.input<S> : never;

/**
 * The result a stop event definition carries.
 *
 * @example
 * ```ts
 * const Answer = stopEvent(z.object({ text: z.string() }));
 * type AnswerResult = ResultOf<typeof Answer>; // { text: string }
 * ```
 */
export type ResultOf<TStop> = TStop extends { schema: infer S extends z.core.$ZodType }
  ? z.output<S> extends { result: infer R }
    ? R
    : unknown
  : unknown;

/** Events a step may take, from its `accepts`. */
export type AcceptedOf<TAccepts> = EventsOf<TAccepts>;
