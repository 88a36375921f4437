import type { AnyActorRef } from "xstate";
import type { TracedRun } from "./traced-run.js";

/**
 * What a run attaches to its workflow actor that cannot live in machine context (it is not
 * JSON): resources and the run id chosen by the caller. Keyed by the actor, so a binding lives
 * exactly as long as its run and nothing is shared between runs.
 */
export interface RunBinding {
  readonly runId?: string;
  /** The start event, already validated by `wf.run()`. */
  readonly start?: { readonly type: string; readonly [field: string]: unknown };
  readonly resources?: Readonly<Record<string, unknown>>;
  /**
   * Set by a run handler that calls `release(actor)` when the actor ends, so the compiler does not
   * subscribe to the actor a second time for that.
   */
  readonly releasedByHandler?: boolean;
  /** Resolves once the run's current state is saved to its store (`ctx.run` waits for it). */
  readonly checkpoint?: () => Promise<void>;
  /**
   * Resolves while this runner still holds the run in its store, and rejects with a
   * `WorkflowStateError` once it does not (another runner took it over, or it ended): `ctx.run`
   * asks before it starts a journaled effect, so a stalled runner cannot repeat one.
   */
  readonly confirmHold?: () => Promise<void>;
  /**
   * Receives the run's trace as it happens: StepStarted/StepFinished events, each event a step
   * returned or sent (the event itself; user event names never clash with those two), each event
   * from outside, and (`published`) each stream item. `from` is the invocation that returned, sent
   * or wrote the event, or `FROM_OUTSIDE` (-1) for an event from outside the run.
   */
  readonly observe?: (
    event: { readonly type: string; readonly [field: string]: unknown },
    from?: number,
    published?: boolean,
  ) => void;
  /** The run's `instrument` option at work (its step attempts report to it). */
  readonly traced?: TracedRun;
}

const bindings = new WeakMap<AnyActorRef, RunBinding>();
/** `waitForEvent` predicates by waiter key; functions cannot live in context either. */
const predicates = new WeakMap<AnyActorRef, Map<string, (event: unknown) => boolean>>();

const byInput = new WeakMap<object, RunBinding>();

/**
 * @internal Attaches a binding to the input object a run passes to `createActor`; the machine's
 * context factory (which runs inside `createActor`, before the caller holds the actor) moves it
 * onto the actor.
 */
export function bindInput(input: object, binding: RunBinding): void {
  byInput.set(input, binding);
}

/** @internal The binding attached to a run's input object. */
export function bindingOfInput(input: unknown): RunBinding | undefined {
  return typeof input === "object" && input !== null ? byInput.get(input) : undefined;
}

/** @internal Attaches a binding to a workflow actor. */
export function bindRun(actor: AnyActorRef, binding: RunBinding): void {
  bindings.set(actor, binding);
}

/** @internal The binding of a workflow actor, if its run made one. */
export function bindingOf(actor: AnyActorRef): RunBinding | undefined {
  return bindings.get(actor);
}

/** @internal The predicate table of a workflow actor. */
export function predicatesOf(actor: AnyActorRef): Map<string, (event: unknown) => boolean> {
  let table = predicates.get(actor);
  if (!table) {
    table = new Map();
    predicates.set(actor, table);
  }
  return table;
}
