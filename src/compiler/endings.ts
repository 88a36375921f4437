import { type AnyActorRef, assign, enqueueActions } from "xstate";
import { errorInfo, WorkflowStalledError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { release } from "../execution/hosting.js";
import { stepErrorOf } from "../execution/promise-step.js";
import type { Outcome, RunContext } from "../kernel/context.js";
import { toJsonSafe } from "../kernel/incoming.js";
import { errorOf, stopOf } from "../kernel/outcome.js";
import { forgedPlan } from "../kernel/plan.js";
import { internal, isSealed, seal } from "../kernel/protocol.js";
import { activeSteps, isStalled } from "../kernel/scheduler.js";

// XState's action and event types are keyed by literal names; ours are computed from the
// definition at run time, so these talk to `setup` through erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };
type Enqueue = Any;

/**
 * Names an action or guard: machine configs (machines/, the Stately inspector's drawing) show
 * the name instead of `xstate.enqueueActions` or `anonymous`.
 */
export function named<T extends object>(name: string, fn: T): T {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/** A `stepchart.*` message the runtime did not make (see `seal`): visible, never applied. */
export function rejectForged(enqueue: Enqueue, event: { type: string }): void {
  const plan = forgedPlan(event);
  if (plan.kind === "reject") enqueue.emit({ type: "EventRejectedEvent", event: plan.event, issues: plan.issues });
}

/** Rejects a runtime message nobody sealed, before any other transition of its type sees it. */
export const forgedGuard = {
  guard: named("isForged", ({ event }: ActionArgs) => !isSealed(event)),
  actions: named(
    "rejectForged",
    enqueueActions(({ event, enqueue }: ActionArgs & { enqueue: Enqueue }) => rejectForged(enqueue, event)),
  ),
};

/** What failed: the invocation's step, its attempts and the error, when the failure is genuine. */
export interface StepFailure {
  readonly step: string;
  readonly invocation: number;
  readonly attempts: number;
  readonly error: unknown;
}

/** The transition of a step whose retry policy gave up: the run fails with the step's error. */
export function failureTransition(
  machineId: string,
  failureOf: (context: RunContext, event: Any, self?: AnyActorRef) => StepFailure | undefined,
): Any {
  return {
    guard: named("isStepFailure", ({ context, event }: ActionArgs) => failureOf(context, event) !== undefined),
    target: `#${machineId}.failed`,
    actions: named(
      "recordFailure",
      enqueueActions(({ context, event, enqueue }: ActionArgs & { enqueue: Enqueue }) => {
        const failure = failureOf(context, event) as StepFailure;
        const error = errorInfo(failure.error);
        enqueue.assign({ outcome: { status: "failed", step: failure.step, attempts: failure.attempts, error } });
        enqueue.emit({
          type: "StepFinishedEvent",
          step: failure.step,
          invocation: failure.invocation,
          status: "failed",
          output: null,
          error,
        });
      }),
    ),
  };
}

/** The prompts a timed-out run was waiting on, by prefix (or type). */
function pendingInputOf(context: RunContext): string[] {
  return context.pending.map(({ event }) =>
    typeof event.prefix === "string" && event.prefix ? event.prefix : event.type,
  );
}

/**
 * The transitions that end a run other than by its StopEvent, shared by both shapes: the run
 * timer, a cancel, a stall, and the guard that rejects forged runtime messages first.
 */
export function endingTransitions(machineId: string, runTimeout: number | null): Record<string, Any> {
  const forged = forgedGuard;
  const timeout = {
    guard: named("timerArmed", ({ context }: ActionArgs) => context.clock.deadline !== null),
    target: `#${machineId}.timedOut`,
    actions: named(
      "recordTimeout",
      assign(
        ({ context }: ActionArgs): Partial<RunContext> => ({
          outcome: {
            status: "timedOut",
            timeout: runTimeout ?? 0,
            activeSteps: activeSteps(context),
            pendingInput: pendingInputOf(context),
          },
        }),
      ),
    ),
  };
  const cancel = {
    target: `#${machineId}.cancelled`,
    actions: named("recordCancel", assign({ outcome: (): Outcome => ({ status: "cancelled" }) })),
  };
  const check = {
    guard: named("isStalled", ({ context }: ActionArgs) => isStalled(context)),
    target: `#${machineId}.failed`,
    actions: named(
      "recordStall",
      assign(
        ({ context }: ActionArgs): Partial<RunContext> => ({
          outcome: {
            status: "failed",
            step: null,
            attempts: 0,
            error: errorInfo(new WorkflowStalledError(context.recent)),
            lastEvents: context.recent,
          },
        }),
      ),
    ),
  };
  return {
    [internal.timeout]: [forged, timeout],
    [internal.cancel]: [forged, cancel],
    [internal.check]: [forged, check],
  };
}

/** Any other event: a sealed runtime message whose guards did not pass does nothing; the rest is rejected. */
export const rejectUnknown = {
  actions: named(
    "rejectUnknown",
    enqueueActions(({ event, enqueue }: ActionArgs & { enqueue: Enqueue }) => {
      const type = typeof event?.type === "string" ? event.type : "";
      // A sealed message lands here when its own transitions' guards did not pass (XState then
      // tries the wildcard): nothing to do. Any other `stepchart.*` message is forged.
      if (type.startsWith("stepchart.")) return isSealed(event) ? undefined : rejectForged(enqueue, event);
      if (type.startsWith("xstate.")) return;
      enqueue.emit({
        type: "EventRejectedEvent",
        event: toJsonSafe(event),
        issues: [{ path: "type", message: `this workflow does not accept events of type "${type}"` }],
      });
    }),
  ),
};

/**
 * The state of a run that failed, timed out or was cancelled. Spawned step actors outlive their
 * state and XState does not stop them when an action throws, so it stops every invocation first
 * and errors the actor a macrostep later, with the outcome's error.
 */
export const failState = {
  entry: named(
    "stopAndRaise",
    enqueueActions(({ event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      for (const id in self.getSnapshot().children) enqueue.stopChild(id);
      enqueue(() => release(self));
      // A promise step rejects with its error wrapped (see promise-step.ts): the cause is the step's own.
      enqueue.sendTo(self, seal({ type: internal.raise, cause: stepErrorOf(event?.error) }));
    }),
  ),
  on: {
    [internal.raise]: {
      guard: named("isOwnRaise", ({ event }: ActionArgs) => isSealed(event)),
      actions: named("throwOutcome", ({ context, event }: ActionArgs) => {
        throw errorOf(context.outcome, event.cause);
      }),
    },
  },
};

/** Held events no waiter took before the run ended are visible, never silently dropped. */
export const rejectHeld = named(
  "rejectHeld",
  enqueueActions(({ context, enqueue }: ActionArgs & { enqueue: Enqueue }) => {
    for (const event of context.held) {
      enqueue.emit({
        type: "EventRejectedEvent",
        event,
        issues: [{ path: "type", message: `the run ended before any step waited for this "${event.type}"` }],
      });
    }
  }),
);

/** The machine's output: the StopEvent's `result` of a completed run. */
export function outputOf({ context }: { context: RunContext }): unknown {
  return context.outcome?.status === "completed" ? (stopOf(context.outcome) as { result?: unknown }).result : undefined;
}

/** The outcome of a run that completed with `stop`. */
export function completedWith(stop: AnyEvent): Outcome {
  return { status: "completed", stop };
}
