import type { AnyActorRef, Subscription } from "xstate";
import type { StepDefinition } from "../definition/types.js";
import { clearTimer, setTimer, type Timer } from "../internal/timer.js";
import type { Effect } from "../kernel/draft.js";
import { type FromStepMsg, internal, seal } from "../kernel/protocol.js";
import { bindingOf } from "./bindings.js";
import { Invoker, type StepEnvironment } from "./invoker.js";

/**
 * Where a run's step invocations execute. `"always"`: each invocation is an XState actor spawned
 * from the step's registered logic (`src` = step name), so inspectors, `snapshot.children` and a
 * durable backend see it. `"never"`: the workflow actor runs them itself with the same
 * {@link Invoker}, which saves an `Actor` per invocation (most of a step's cost when nobody looks).
 * `"auto"` spawns actors when the actor system was created with an inspector.
 *
 * @example
 * ```ts
 * const mode: StepActorsMode = "always"; // every invocation shows in snapshot.children
 * const actor = createActor(wf.toMachine({ stepActors: mode }), { input: { topic: "cats" } }).start();
 * ```
 */
export type StepActorsMode = "auto" | "always" | "never";

/**
 * What one workflow actor holds in this process besides its snapshot: how it hosts invocations,
 * the inline invoker, and the run timer. None of it is state: a restored run rebuilds it.
 */
export interface RunHosting {
  actors: boolean | undefined;
  invoker: Invoker | undefined;
  timer: Timer | undefined;
  subscription: Subscription | undefined;
  /** Effects an `assign` computed, for the action right after it to perform. */
  outbox: readonly Effect[] | undefined;
}

const hostings = new WeakMap<AnyActorRef, RunHosting>();

function runOf(self: AnyActorRef): RunHosting {
  let run = hostings.get(self);
  if (!run) {
    run = { actors: undefined, invoker: undefined, timer: undefined, subscription: undefined, outbox: undefined };
    hostings.set(self, run);
  }
  return run;
}

/** The hosting of a workflow actor; whether it spawns step actors is decided on first use. */
export function hostingOf(self: AnyActorRef, mode: StepActorsMode): RunHosting {
  const run = runOf(self);
  run.actors ??= mode === "always" || (mode === "auto" && isInspected(self));
  return run;
}

/** Starts an invocation on the run's own invoker (inline hosting). */
export function startInline(self: AnyActorRef, env: StepEnvironment, step: StepDefinition, id: number): void {
  const run = runOf(self);
  if (!run.invoker) {
    run.invoker = new Invoker(self, env, (msg: FromStepMsg) => {
      msg.inline = true;
      if (self.getSnapshot().status === "active") self.send(msg);
    });
    watchEnd(self, run);
  }
  run.invoker.start(step, id);
}

/** Arms the run timer: the machine receives `stepchart.timeout` after `ms`. */
export function armTimer(self: AnyActorRef, ms: number): void {
  const run = runOf(self);
  clearTimer(run.timer);
  run.timer = setTimer(() => {
    run.timer = undefined;
    if (self.getSnapshot().status === "active") self.send(seal({ type: internal.timeout }));
  }, ms);
  watchEnd(self, run);
}

/** Disarms the run timer (paused for input, re-armed, or the run ended). */
export function disarmTimer(self: AnyActorRef): void {
  const run = hostings.get(self);
  if (run?.timer !== undefined) {
    clearTimer(run.timer);
    run.timer = undefined;
  }
}

/** Stops the run's inline invocations and its timer, and stops watching the actor. */
export function release(self: AnyActorRef): void {
  const run = hostings.get(self);
  if (!run) return;
  run.invoker?.stop();
  disarmTimer(self);
  run.subscription?.unsubscribe();
  run.subscription = undefined;
}

/**
 * A run can end without leaving a state (a raw `actor.stop()`): `complete` covers that and the
 * final state. Failure states call `release` themselves before the actor errors, so this observer
 * never handles (and thereby hides) the actor's error.
 */
function watchEnd(self: AnyActorRef, run: RunHosting): void {
  if (run.subscription || bindingOf(self)?.releasedByHandler) return;
  run.subscription = self.subscribe({ complete: () => release(self) });
}

/** Whether the root of this actor's system was created with an `inspect` observer. */
function isInspected(self: AnyActorRef): boolean {
  let actor = self as AnyActorRef & { options?: { inspect?: unknown } };
  while (actor._parent) actor = actor._parent as typeof actor;
  return actor.options?.inspect !== undefined;
}
