import type { AnyStateMachine, InspectionEvent, Observer } from "xstate";
import { compileMachine, type ToMachineOptions } from "../compiler/machine.js";
import type { CompiledTopology } from "../compiler/topology.js";
import { statechartDrawing } from "../compiler/view.js";
import { createDefinition, createStep, withStep } from "../definition/build.js";
import { decoratedSteps } from "../definition/decorators.js";
import { definitionHash } from "../definition/hash.js";
import type {
  AnyStepFn,
  AnyWorkflowTypes,
  InputOf,
  ResultOf,
  StateOf,
  StepContext,
  StepOptions,
  StepReturn,
  WorkflowDefinition,
  WorkflowOptions,
  WorkflowTypes,
} from "../definition/types.js";
import { findProblems } from "../definition/validate.js";
import { WorkflowValidationError } from "../errors.js";
import type { HumanResponseEvent, StartEvent, StopEvent } from "../events/built-ins.js";
import type { AnyEvent, AnyEventDef, EventOf, FieldsSchema } from "../events/types.js";
import type { Instrumentation } from "../execution/instrument.js";
import { randomUuid } from "../internal/random.js";
import { userCallback, withCallerStack } from "../internal/stack.js";
import type { WorkflowSnapshot } from "../persistence/snapshot.js";
import type { WorkflowStore } from "../persistence/store.js";
import { WorkflowHandler } from "./handler.js";
import { type Launchable, type LaunchOptions, newRunParts, resumeParts } from "./launch.js";
import { checkOutsideEvent } from "./outside.js";
import type { RetainOptions } from "./retention.js";

/**
 * Options of `wf.run()`.
 *
 * @example
 * ```ts
 * const handler = rag.run(
 *   { query: "cats" },
 *   { runId: "run-42", resources: { index }, signal: AbortSignal.timeout(10_000), verbose: true },
 * );
 * ```
 */
export interface RunOptions<TResources = Record<string, unknown>> {
  /** Non-serializable objects for `ctx.resources` (merged over the workflow's defaults). */
  readonly resources?: Partial<TResources>;
  /** The run's id. @default a random UUID */
  readonly runId?: string;
  /** Aborting it cancels the run. */
  readonly signal?: AbortSignal;
  /** An XState inspection observer, passed to `createActor`. */
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Log step starts and finishes to stderr. @default the workflow's `verbose` */
  readonly verbose?: boolean;
  /** Save the run in this store (checkpoints at step boundaries, on waits, after `ctx.run`). */
  readonly store?: WorkflowStore;
  /**
   * How much of its record the run keeps (stream items, and so `traceRun`): a long loop holds its
   * most recent items, not all of them. @default { items: 10_000 }
   */
  readonly retain?: RetainOptions;
  /**
   * Observes the run as it goes: a span per run and per step attempt with `otelTracing()` of
   * `stepchart/telemetry`, or your own {@link Instrumentation}. A resumed run takes it again.
   */
  readonly instrument?: Instrumentation;
}

/**
 * Options of `wf.resume()`.
 *
 * @example
 * ```ts
 * const handler = wf.resume("order-7", { store, resources: { llm }, migrate: (old) => upgrade(old) });
 * ```
 */
export interface ResumeOptions<TResources = Record<string, unknown>> extends Omit<RunOptions<TResources>, "runId"> {
  /**
   * Upgrades a snapshot of another version or definition before it is checked (and refused if it
   * still does not match). Called only for such snapshots.
   */
  readonly migrate?: (snapshot: unknown) => unknown;
  /**
   * Take the run from the store even while another runner's lease on it is live (its host is
   * down, or it must stop now), instead of waiting for the lease to end. Safe: the other runner's
   * saves are refused from then on, and it starts no more `ctx.run` effects. A lease whose process
   * is gone from this host is free without it.
   */
  readonly takeover?: boolean;
}

type DefsOf<T> = T extends readonly (infer D)[] ? D : T;
/** A step's `accepts` StartEvent means the workflow's own start event (and likewise StopEvent). */
type Own<TDef, T extends WorkflowTypes> = TDef extends { type: "StartEvent" }
  ? EventOf<T["start"]>
  : TDef extends { type: "StopEvent" }
    ? EventOf<T["stop"]>
    : EventOf<TDef>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/** True when a step names a definition of a built-in type other than the workflow's own. */
type Foreign<TDefs, TType extends string, TOwn> =
  Extract<DefsOf<TDefs>, { type: TType }> extends infer D
    ? [D] extends [never]
      ? false
      : Same<D, TOwn> extends true
        ? false
        : true
    : false;
/**
 * Refuses, at compile time as validation does at run time, a step that names the built-in
 * `StartEvent`/`StopEvent` where the workflow has a typed `start`/`stop`: two definitions would
 * share one type, and the untyped one would skip the typed one's checks.
 */
type OwnBuiltins<T extends WorkflowTypes, TAccepts, TEmits> =
  Foreign<TAccepts, "StartEvent", T["start"]> extends true
    ? { readonly accepts: "use the workflow's own start event (its `start` option), not the built-in StartEvent" }
    : Foreign<TEmits, "StopEvent", T["stop"]> extends true
      ? { readonly emits: "use the workflow's own stop event (its `stop` option), not the built-in StopEvent" }
      : unknown;
type OwnEvents<TDefs, T extends WorkflowTypes> =
  DefsOf<TDefs> extends infer D ? (D extends AnyEventDef ? Own<D, T> : never) : never;

/** The function a builder step runs, typed from its options. */
export type StepFnOf<T extends WorkflowTypes, TAccepts, TEmits> = (
  ctx: StepContext<T, OwnEvents<TEmits, T>, OwnEvents<TAccepts, T>>,
  event: OwnEvents<TAccepts, T>,
) => Promise<StepReturn<OwnEvents<TEmits, T>>> | StepReturn<OwnEvents<TEmits, T>>;

type RunArgs<T extends WorkflowTypes> =
  {} extends InputOf<T["start"]>
    ? [input?: InputOf<T["start"]>, options?: RunOptions<T["resources"]>]
    : [input: InputOf<T["start"]>, options?: RunOptions<T["resources"]>];

/** Events a handler takes from outside (not the StartEvent: a run starts once, from `run(input)`). */
export type SendableOf<T extends WorkflowTypes> =
  | Exclude<EventOf<T["accepted"]>, { readonly type: "StartEvent" }>
  | HumanResponseEvent;

/**
 * A workflow: steps that accept events and emit others, compiled to an XState machine. Built with
 * `workflow({...}).step(...)` or by subclassing with `@step` methods; both give one immutable
 * definition.
 *
 * @example
 * ```ts
 * class EchoFlow extends Workflow {
 *   @step({ accepts: StartEvent, emits: [StopEvent] })
 *   async echo(_ctx: Context, ev: StartEvent) {
 *     return StopEvent({ result: ev.text });
 *   }
 * }
 * const result = await new EchoFlow({ timeout: 5_000 }).run({ text: "hi" });
 * ```
 */
export class Workflow<T extends WorkflowTypes = AnyWorkflowTypes> {
  #options: WorkflowOptions;
  #definition: WorkflowDefinition | undefined;
  #compiled: { machine: AnyStateMachine; topology: CompiledTopology } | undefined;
  #valid = false;
  #launch: Launchable | undefined;

  constructor(options: WorkflowOptions = {}) {
    this.#options = options;
  }

  /**
   * @internal A workflow of a definition built elsewhere (stepchart/testing's stubbed copies).
   */
  static fromDefinition(definition: WorkflowDefinition, options: WorkflowOptions = {}): Workflow {
    const wf = new Workflow(options);
    wf.#definition = definition;
    return wf;
  }

  /** The immutable definition every consumer (validation, compiler, drawing) reads. */
  get definition(): WorkflowDefinition {
    if (!this.#definition) {
      let def = createDefinition(this.#options);
      for (const step of decoratedSteps(this)) def = withStep(def, step);
      this.#definition = def;
    }
    return this.#definition;
  }

  /** A fingerprint of the definition; snapshots of another definition are refused. */
  get definitionHash(): string {
    return definitionHash(this.definition);
  }

  /**
   * A new workflow with one more step. `ev` is typed from `accepts`; the return value and
   * `ctx.sendEvent` are checked against `emits`.
   */
  step<
    const TAccepts extends AnyEventDef | readonly AnyEventDef[],
    const TEmits extends readonly AnyEventDef[],
    const TAwaits extends readonly AnyEventDef[] = [],
  >(
    name: string,
    options: StepOptions<TAccepts, TEmits, TAwaits> & OwnBuiltins<T, TAccepts, TEmits>,
    fn: StepFnOf<T, TAccepts, TEmits>,
  ): Workflow<{
    start: T["start"];
    stop: T["stop"];
    state: T["state"];
    resources: T["resources"];
    accepted: T["accepted"] | DefsOf<TAccepts> | TAwaits[number];
  }> {
    const next = new Workflow(this.#options);
    next.#definition = withStep(this.definition, createStep(name, options as StepOptions, fn as AnyStepFn));
    // biome-ignore lint/suspicious/noExplicitAny: the new type parameter is computed in the signature
    return next as any;
  }

  /** Checks the definition; throws one `WorkflowValidationError` listing every problem. */
  validate(): void {
    if (this.#valid) return;
    const problems = findProblems(this.definition);
    if (problems.length > 0) {
      throw new WorkflowValidationError(problems, `Workflow "${this.definition.name}" is invalid`);
    }
    this.#valid = true;
  }

  /**
   * The compiled XState v5 machine; its input is the start event's fields. Run it with
   * `createActor(machine, { input })`, or `invoke` it from any machine.
   */
  toMachine(options?: ToMachineOptions): AnyStateMachine {
    this.validate();
    if (options) return compileMachine(this.definition, options).machine;
    return this.#compile().machine;
  }

  /**
   * The runtime machine, drawn: the states and transitions of the machine `toMachine()` compiles
   * (in the statechart shape), read off its config, so the drawing is that machine and cannot
   * drift from it. `running` is a parallel state with one `idle`/`running` region per step and a
   * `human` region (`idle`/`waiting`) when the workflow asks people; each region moves on the
   * event types the machine's own region table gives (a step's accepted types start it, what it
   * returns or its promise's end `xstate.done.actor.*` end it), guarded on the event's plan
   * (`starts`, `ends`, `asks`, `answered`); `completed`, `failed`, `timedOut` and `cancelled`
   * end the run. `machine.config` is plain JSON (guards by name, no actions): import it into
   * Stately's editor. It runs nothing: its guards need a run's context. To see which steps ran
   * when, read a run's trace with `statechartTimeline` (stepchart/inspect).
   *
   * @example
   * ```ts
   * const drawing = approval.toStatechart();
   * await writeFile("approval.view.json", JSON.stringify(drawing.config, null, 2)); // import into Stately's editor
   * Object.keys(drawing.config.states?.running?.states ?? {}); // ["draft", "review", "human"]
   * ```
   */
  toStatechart(): AnyStateMachine {
    this.validate();
    return statechartDrawing(this.definition);
  }

  /**
   * Starts a run and returns its handler at once. Validates the definition (once) and the input
   * (synchronously: bad input throws `EventValidationError`). With a `store`, the run is saved there
   * (its `runId` must be new) before its first step starts, and at every step boundary after.
   */
  run(...[input, options = {}]: RunArgs<T>): WorkflowHandler<ResultOf<T["stop"]>, SendableOf<T>> {
    // A stepchart error these checks throw has its stack start at the caller's line.
    return withCallerStack(Workflow.prototype.run, () => {
      this.validate();
      const def = this.definition;
      const start = def.start(input as never) as AnyEvent;
      const runId = options.runId ?? randomUuid();
      return new WorkflowHandler<ResultOf<T["stop"]>, SendableOf<T>>({
        ...newRunParts(this.#launchable(), start, runId, options as LaunchOptions),
        signal: options.signal,
        verbose: options.verbose ?? def.verbose,
        retain: options.retain,
      });
    });
  }

  /**
   * Continues a run from a snapshot (`handler.snapshot()`), or from its record in a store by run
   * id. Steps that were in flight run again from their op journal (`onRestore: "fail"` fails the run
   * instead); everything else (state, queues, collect buffers, waiters, pending prompts, retry
   * delays, the run deadline) goes on where it was. Returns the handler at once; a snapshot object is
   * checked synchronously (a bad one throws `SnapshotError`), a store record as it loads.
   *
   * @example
   * ```ts
   * const handler = approval.run({ topic: "tea" });
   * const snapshot = handler.snapshot(); // e.g. while it waits for a person
   * handler.cancel();
   * const resumed = approval.resume(snapshot);
   * resumed.sendEvent(HumanResponseEvent({ response: "yes" }));
   * console.log(await resumed);
   * ```
   */
  resume(
    from: WorkflowSnapshot | string,
    options: ResumeOptions<T["resources"]> = {},
  ): WorkflowHandler<ResultOf<T["stop"]>, SendableOf<T>> {
    // A stepchart error these checks throw has its stack start at the caller's line; what the
    // user's migrate hook throws is theirs and is thrown as it is.
    const migrate = options.migrate && userCallback(options.migrate);
    return withCallerStack(Workflow.prototype.resume, () => {
      this.validate();
      return new WorkflowHandler<ResultOf<T["stop"]>, SendableOf<T>>({
        ...resumeParts(this.#launchable(), from, { ...options, migrate } as LaunchOptions),
        signal: options.signal,
        verbose: options.verbose ?? this.definition.verbose,
        retain: options.retain,
      });
    });
  }

  /**
   * Delivers an event to a run held in a store, from any process: the process running it applies
   * it within a lease renewal, or the next `resume` does. The event is validated like
   * `handler.sendEvent`; a run that is not in the store, or has ended, throws `WorkflowStateError`.
   *
   * @example
   * ```ts
   * // a web handler, in a process that is not running the workflow:
   * await approval.sendEvent("tea-1", HumanResponseEvent({ response: "approved" }), { store });
   * ```
   */
  async sendEvent(runId: string, event: SendableOf<T>, options: { readonly store: WorkflowStore }): Promise<void> {
    this.validate();
    const { topology } = this.#compile();
    await options.store.deliver(runId, checkOutsideEvent(event, topology, this.definition.name, "wf.sendEvent"));
  }

  #launchable(): Launchable {
    if (!this.#launch) {
      const { machine, topology } = this.#compile();
      this.#launch = {
        definition: this.definition,
        definitionHash: definitionHash(this.definition),
        machine,
        topology,
      };
    }
    return this.#launch;
  }

  #compile() {
    this.#compiled ??= compileMachine(this.definition);
    return this.#compiled;
  }
}

/**
 * Starts a workflow definition with the builder: chain `.step(name, options, fn)` calls. Every
 * type is inferred from the values: no type arguments.
 *
 * @example
 * ```ts
 * const rag = workflow({ name: "rag", timeout: 30_000 })
 *   .step("retrieve", { accepts: StartEvent, emits: [RetrieveEvent] }, async (ctx, ev) =>
 *     RetrieveEvent({ query: String(ev.query), nodes: await ctx.resources.index.retrieve(ev.query) }),
 *   )
 *   .step("synthesise", { accepts: RetrieveEvent, emits: [StopEvent] }, async (_ctx, ev) =>
 *     StopEvent({ result: `${ev.nodes.length} passages about ${ev.query}` }),
 *   );
 * const answer = await rag.run({ query: "cats" }, { resources: { index } });
 * ```
 */
export function workflow<
  const TStart extends AnyEventDef = typeof StartEvent,
  const TStop extends AnyEventDef = typeof StopEvent,
  TState extends FieldsSchema | undefined = undefined,
  // biome-ignore lint/suspicious/noExplicitAny: undeclared resources are user objects of any shape
  TResources extends object = Record<string, any>,
>(
  options: WorkflowOptions<TStart, TStop, TState, TResources> = {},
): Workflow<{ start: TStart; stop: TStop; state: StateOf<TState>; resources: TResources; accepted: never }> {
  return new Workflow(options as WorkflowOptions);
}
