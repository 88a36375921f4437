import type { AnyActorRef } from "xstate";
import type { StepDefinition } from "../definition/types.js";
import { trust } from "../events/define-event.js";
import { bindingOf } from "../execution/bindings.js";
import { armTimer, disarmTimer, hostingOf, type RunHosting, startInline } from "../execution/hosting.js";
import { stepActorId } from "../execution/step-actor.js";
import { now } from "../internal/timer.js";
import type { Draft, Effect } from "../kernel/draft.js";
import type { Plan } from "../kernel/plan.js";
import { internal, seal } from "../kernel/protocol.js";
import type { CompactScope } from "./compact-scope.js";

// biome-ignore lint/suspicious/noExplicitAny: XState's `enqueue` API is typed by literal names
type Enqueue = any;

/**
 * How the compact shape carries out what a transition decided: assign the draft's changed
 * branches, then perform its effects on the run's host (the inline invoker, or spawned step
 * actors while the run is inspected).
 */
export function createCompactEffects({ def, env, mode }: CompactScope) {
  const stepsByName = new Map(def.steps.map((s) => [s.name, s]));

  /**
   * Commits a draft. Messages to step actors and trace items go out through one custom action
   * (cheaper than one XState action each); stream items use XState's `emit`, so raw actor users
   * can listen with `actor.on`.
   */
  const commit = (enqueue: Enqueue, d: Draft, self: AnyActorRef) => {
    enqueue.assign(d.patch());
    const effects = d.effects;
    const hosting = hostingOf(self, mode);
    let direct = false;
    for (const effect of effects) {
      if (effect.kind === "publish") {
        enqueue.emit(effect.event);
        // A run's handler takes stream items from `perform`, where they keep their source.
        direct ||= d.tracing;
      } else if (!hosting.actors) direct ||= effect.kind !== "end";
      else if (effect.kind === "invoke")
        enqueue.spawnChild(effect.step, { id: stepActorId(effect.step, effect.id), input: { id: effect.id } });
      else if (effect.kind === "end") enqueue.stopChild(stepActorId(effect.step, effect.id));
      else direct = true;
    }
    if (direct) enqueue(() => perform(self, effects, hosting));
  };

  /**
   * Commits a plan: a refused event is visible as an EventRejectedEvent; the run timer pauses or
   * resumes with it; a StopEvent a step returned or sent is raised, sealed (only the runtime's own
   * StopEvent takes the transition to `completed`), as a copy (the step's object may be frozen).
   */
  const commitPlan = (enqueue: Enqueue, plan: Plan, self: AnyActorRef) => {
    if (plan.kind === "reject") {
      enqueue.emit({ type: "EventRejectedEvent", event: plan.event, issues: plan.issues });
      return;
    }
    if (plan.kind === "ignore") return;
    commit(enqueue, plan.draft, self);
    const clock = plan.clock;
    if (clock) {
      enqueue.assign({ clock });
      if (clock.deadline === null) enqueue(() => disarmTimer(self));
      else enqueue(() => armTimer(self, Math.max(0, (clock.deadline as number) - now())));
    }
    if (plan.stop) enqueue.raise(seal(trust({ ...plan.stop }, def.stop)));
    if (plan.check) enqueue.raise(seal({ type: internal.check }));
  };

  function perform(self: AnyActorRef, effects: readonly Effect[], hosting: RunHosting): void {
    const observe = bindingOf(self)?.observe;
    for (const effect of effects) {
      switch (effect.kind) {
        case "invoke":
          if (!hosting.actors) startInline(self, env, stepsByName.get(effect.step) as StepDefinition, effect.id);
          break;
        case "resolve":
          if (!hosting.actors) hosting.invoker?.resolve(effect.id, effect.op, effect.event);
          else {
            const children = self.getSnapshot().children as Record<string, AnyActorRef | undefined>;
            relay(
              self,
              children[stepActorId(effect.step, effect.id)],
              seal({ type: internal.resolve, id: effect.id, op: effect.op, event: effect.event }),
            );
          }
          break;
        case "trace":
          observe?.(effect.event, effect.from);
          break;
        case "publish":
          observe?.(effect.event, effect.from, true);
          break;
      }
    }
  }

  return { commit, commitPlan, perform };
}

export type CompactEffects = ReturnType<typeof createCompactEffects>;

/** Sends to a step actor as `sendTo` would, so inspectors record the workflow as the source. */
function relay(
  self: AnyActorRef,
  child: AnyActorRef | undefined,
  message: { type: string; [key: string]: unknown },
): void {
  if (!child) return;
  const system = self.system as { _relay?: (source: AnyActorRef, target: AnyActorRef, event: unknown) => void };
  if (typeof system._relay === "function") system._relay(self, child, message);
  else child.send(message);
}
