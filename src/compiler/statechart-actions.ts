import { type AnyActorRef, enqueueActions } from "xstate";
import type { AnyEvent } from "../events/types.js";
import { bindingOf } from "../execution/bindings.js";
import { existingRunner, runnerOf } from "../execution/promise-step.js";
import { stepActorId } from "../execution/step-actor.js";
import type { RunContext } from "../kernel/context.js";
import type { Effect } from "../kernel/draft.js";
import type { Plan } from "../kernel/plan.js";
import { internal, originOf, seal, unseal } from "../kernel/protocol.js";
import { completedWith, named } from "./endings.js";
import type { Planner } from "./planner.js";
import type { CompileScope } from "./scope.js";

// XState's action types are keyed by literal names; ours are computed from the definition at
// run time, so these talk to XState through erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef; enqueue: Any };

/**
 * An event a step produced is delivered once: its origin goes with the delivery (in an action a
 * live actor executes, not while XState resolves: pure `transition()` calls may reuse an event).
 */
function consume(event: object): void {
  if (originOf(event)) unseal(event);
}

/**
 * The statechart shape's actions. One event, one plan (see planner.ts), applied by exactly one
 * action: `applyPlan` on the `running` state's own transition when no region changes, or
 * `applyPlanned` on the first region transition the event takes (the others find it applied).
 */
export function createStatechartActions({ env }: CompileScope, planner: Planner) {
  /** Assigns the plan's changes and performs its effects: step actors spawned and stopped, items emitted. */
  const commit = (enqueue: Any, plan: Plan, self: AnyActorRef, extra?: Partial<RunContext>) => {
    if (plan.kind === "reject") {
      enqueue.emit({ type: "EventRejectedEvent", event: plan.event, issues: plan.issues });
      return;
    }
    if (plan.kind === "ignore") return;
    const d = plan.draft;
    const patch: { -readonly [K in keyof RunContext]?: RunContext[K] } = { ...d.patch(), ...extra };
    if (plan.clock) patch.clock = plan.clock;
    enqueue.assign(patch);
    // A completing run starts nothing more: its final state stops every step actor.
    const effects = extra ? d.effects.filter((e) => e.kind === "trace" || e.kind === "publish") : d.effects;
    for (const effect of effects) {
      if (effect.kind === "invoke")
        enqueue.spawnChild(effect.step, { id: stepActorId(effect.step, effect.id), input: { id: effect.id } });
      else if (effect.kind === "end") enqueue.stopChild(stepActorId(effect.step, effect.id));
      else if (effect.kind === "publish") enqueue.emit(effect.event);
    }
    if (effects.length > 0) enqueue(() => perform(self, effects));
    if (plan.check) enqueue.raise(seal({ type: internal.check }));
  };

  /** Effects outside the machine: waiters resolved in their step, the run's trace and stream. */
  const perform = (self: AnyActorRef, effects: readonly Effect[]) => {
    const observe = bindingOf(self)?.observe;
    for (const effect of effects) {
      switch (effect.kind) {
        case "invoke":
          // Spawned here: its promise actor starts once this macrostep ends, and must know it is
          // no restored one.
          runnerOf(self, env).spawned.add(effect.id);
          break;
        case "resolve":
          existingRunner(self)?.invoker.resolve(effect.id, effect.op, effect.event);
          break;
        case "trace":
          observe?.(effect.event, effect.from);
          break;
        case "publish":
          observe?.(effect.event, effect.from, true);
          break;
      }
    }
  };

  return {
    applyPlan: named(
      "applyPlan",
      enqueueActions(({ context, event, self, enqueue }: ActionArgs) => {
        commit(enqueue, planner.take(context, event), self);
        enqueue(() => consume(event));
      }),
    ),
    applyPlanned: named(
      "applyPlan",
      enqueueActions(({ context, event, self, enqueue }: ActionArgs) => {
        const plan = planner.takePlanned(context, event);
        if (!plan) return;
        commit(enqueue, plan, self);
        enqueue(() => consume(event));
      }),
    ),
    /** The StopEvent: the step's end is recorded and traced; the run completes with it. */
    completeRun: named(
      "completeRun",
      enqueueActions(({ context, event, self, enqueue }: ActionArgs) => {
        const plan = planner.take(context, event);
        if (plan.kind !== "apply" || !plan.stop) return;
        commit(enqueue, plan, self, { outcome: completedWith(plan.stop as AnyEvent) });
        enqueue(() => consume(event));
      }),
    ),
    /** The run's start event, as a machine event of its own (a plain restore never sends it again). */
    sendStart: named("sendStart", ({ context, self }: { context: RunContext; self: AnyActorRef }) => {
      self.send(seal({ ...context.start }) as never);
    }),
  };
}
