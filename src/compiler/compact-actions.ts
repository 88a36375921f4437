import { type AnyActorRef, assign, enqueueActions } from "xstate";
import { StepInterruptedError } from "../errors.js";
import { trust } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { bindingOf } from "../execution/bindings.js";
import { armTimer, hostingOf } from "../execution/hosting.js";
import { stepActorId } from "../execution/step-actor.js";
import { now } from "../internal/timer.js";
import { type Invocation, invocationOf, type RunContext } from "../kernel/context.js";
import { Draft, FROM_OUTSIDE } from "../kernel/draft.js";
import { planEvent, planStepMessage } from "../kernel/plan.js";
import { type FromStepMsg, internal, isSealed, seal } from "../kernel/protocol.js";
import { routeEvent } from "../kernel/scheduler.js";
import { applyStepMessage, needsOnlyAssign, routeInline } from "../kernel/step-messages.js";
import type { CompactEffects } from "./compact-effects.js";
import type { CompactScope } from "./compact-scope.js";
import { named, rejectForged } from "./endings.js";

// XState's action types are keyed by literal names; ours are computed from the definition at
// run time, so these talk to XState through erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };
type Enqueue = Any;

const tracing = (self: AnyActorRef) => bindingOf(self)?.observe !== undefined;

/** Routes an event from outside, or one the runtime raised itself (the start event, a StopEvent). */
export function routeAction(scope: CompactScope, effects: CompactEffects) {
  return named(
    "route",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) =>
      effects.commitPlan(enqueue, planEvent(context, event, scope.planScope, scope.matches(self), tracing(self)), self),
    ),
  );
}

/** Applies a message of a running invocation: a ctx op, its end, a retry. Forged ones are refused. */
export function stepMessageAction(scope: CompactScope, effects: CompactEffects) {
  return named(
    "onStepMessage",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      if (!isSealed(event)) return rejectForged(enqueue, event);
      const plan = planStepMessage(context, event as FromStepMsg, scope.planScope, scope.matches(self), tracing(self));
      effects.commitPlan(enqueue, plan, self);
    }),
  );
}

/**
 * The short path for step messages that need only an `assign` (see `needsOnlyAssign`):
 * `enqueueActions` costs more than the rest of a step, so the `assign` computes the draft and leaves
 * its effects in the run's outbox, and the action after it performs them. Only messages of inline
 * invocations qualify (guards cannot see the actor, so the inline invoker marks its messages).
 */
export function assignOnlyTransitions(scope: CompactScope, effects: CompactEffects) {
  const { topology, mode, machineId } = scope;
  const inFlight = (context: RunContext, msg: FromStepMsg) =>
    msg.inline === true && isSealed(msg) && invocationOf(context.inflight, msg.id) !== undefined;
  const draftOf = (context: RunContext, msg: FromStepMsg, self: AnyActorRef) => {
    const d = new Draft(context, tracing(self));
    const match = scope.matches(self);
    const routed = applyStepMessage(d, msg, invocationOf(context.inflight, msg.id) as Invocation, topology, match);
    return { d, routed, match };
  };
  const performAssigned = named("performAssigned", ({ self }: ActionArgs) => {
    const hosting = hostingOf(self, mode);
    const outbox = hosting.outbox;
    hosting.outbox = undefined;
    if (outbox) effects.perform(self, outbox, hosting);
  });
  const assignStepMessage = named(
    "assignStepMessage",
    assign(({ context, event, self }: ActionArgs) => {
      const { d, routed, match } = draftOf(context, event as FromStepMsg, self);
      if (routed) routeInline(d, routed, topology, match, (event as FromStepMsg).id);
      hostingOf(self, mode).outbox = d.effects;
      return d.patch();
    }),
  );
  // A returned StopEvent completes the run in this transition: it was checked when the step
  // returned it, and raising it would cost a second microstep.
  const completeRun = named(
    "completeRun",
    assign(({ context, event, self }: ActionArgs): Partial<RunContext> => {
      const { d } = draftOf(context, event as FromStepMsg, self);
      hostingOf(self, mode).outbox = d.effects.filter((e) => e.kind === "trace");
      return { ...d.patch(), outcome: { status: "completed", stop: (event as { output: AnyEvent }).output } };
    }),
  );
  return {
    /** The first transitions of `stepchart.done`: a returned StopEvent. */
    completes: {
      guard: named(
        "returnsStop",
        ({ context, event }: ActionArgs) =>
          event.type === internal.done && event.output?.type === "StopEvent" && inFlight(context, event),
      ),
      target: `#${machineId}.completed`,
      actions: [completeRun, performAssigned],
    },
    /** The first transition of the other routine messages. */
    assigns: {
      guard: named(
        "isAssignOnly",
        ({ context, event }: ActionArgs) => inFlight(context, event) && needsOnlyAssign(context, event, topology),
      ),
      actions: [assignStepMessage, performAssigned],
    },
  };
}

/**
 * Entering `running`: the start event is raised for inspected runs (so it is a machine event); an
 * inline run routes it in its first microstep, as it routes every event a step returns. The run
 * timer is a plain timer rather than XState's `after`: the same event at a fraction of the cost.
 */
export function enterRunningActions(scope: CompactScope, effects: CompactEffects) {
  const { topology, mode } = scope;
  return [
    named(
      "routeStart",
      enqueueActions(({ context, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
        const start = trust({ ...context.start });
        if (hostingOf(self, mode).actors) return void enqueue.raise(seal(start));
        const d = new Draft(context, tracing(self));
        // The object context holds, not the routing copy: a trace keeps it for the run's life.
        if (d.tracing) d.effects.push({ kind: "trace", event: context.start, from: FROM_OUTSIDE });
        routeEvent(d, start, topology, scope.matches(self));
        effects.commit(enqueue, d, self);
      }),
    ),
    named("armRunTimer", ({ context, self }: ActionArgs) => {
      if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - now()));
    }),
  ];
}

/**
 * Nothing of a compact run lives outside its context but invocations and the timer: a restored
 * actor gets both back with `stepchart.restore`. In-flight invocations re-run from their journal
 * (at-least-once), or fail the run for an `onRestore: "fail"` step. A raw XState user restores with
 * an unsealed `stepchart.restore`: taken only while this actor has started nothing in this process,
 * so sending it to a live run can change nothing.
 */
export function restoreAction(scope: CompactScope, effects: CompactEffects) {
  const { def, mode } = scope;
  const stepsByName = new Map(def.steps.map((s) => [s.name, s]));
  return named(
    "restore",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      const hosting = hostingOf(self, mode);
      const children = self.getSnapshot().children;
      const startedHere = hosting.invoker !== undefined || Object.keys(children).length > 0;
      if (!isSealed(event) && startedHere) return rejectForged(enqueue, event);
      const d = new Draft(context, tracing(self));
      for (const inv of context.inflight) {
        const running = hosting.actors ? stepActorId(inv.step, inv.id) in children : hosting.invoker?.has(inv.id);
        if (running) continue;
        if (stepsByName.get(inv.step)?.onRestore === "fail") {
          const error = new StepInterruptedError(inv.step);
          return void enqueue.raise(seal({ type: internal.failed, id: inv.id, error, attempts: inv.attempt }));
        }
        d.effects.push({ kind: "invoke", step: inv.step, id: inv.id });
        if (d.tracing) {
          const started = { type: "StepStartedEvent", step: inv.step, invocation: inv.id, event: inv.event.type };
          d.effects.push({ kind: "trace", event: started });
        }
      }
      effects.commit(enqueue, d, self);
      enqueue(() => {
        if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - now()));
      });
    }),
  );
}
