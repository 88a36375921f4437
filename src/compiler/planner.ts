import type { AnyEvent } from "../events/types.js";
import { isSettledBy } from "../execution/promise-step.js";
import { stepActorId } from "../execution/step-actor.js";
import type { Invocation, RunContext } from "../kernel/context.js";
import { waiterMatch } from "../kernel/match.js";
import { type Plan, type PlanScope, planEvent, planStepMessage, runsAfter, waitsAfter } from "../kernel/plan.js";
import { type FromStepMsg, internal, isSealed } from "../kernel/protocol.js";
import { hasHumanInput } from "./regions.js";
import type { CompileScope } from "./scope.js";

const DONE = "xstate.done.actor.";
const ERROR = "xstate.error.actor.";
const IGNORE: Plan = { kind: "ignore" };

/**
 * Plans each machine event once per transition (statechart shape). The region guards of one
 * event, then the action that applies it, all need the same plan: it is cached by the context
 * object it was made from, which no other transition shares (every `assign` makes a new one).
 * Planning reads the context and the event only (waiter predicates ride on the waiters), as XState
 * gives guards nothing else, and pure `transition()` calls (model-based tests) plan alike.
 */
export function createPlanner({ def, topology }: CompileScope) {
  const scope: PlanScope = {
    topology,
    external: topology.external,
    awaited: topology.awaited,
    // Only a workflow with a `human` region can pause: its clock is invoked in `human.idle`.
    pauseWhileWaiting: def.timeout.run !== null && !def.timeout.whileWaiting && hasHumanInput(def),
  };
  const cache = new WeakMap<RunContext, { event: unknown; plan: Plan }>();

  const compute = (context: RunContext, event: AnyEvent): Plan => {
    const matches = waiterMatch(undefined);
    const type = event.type;
    if (type.startsWith(DONE)) {
      const inv = settledInvocation(context, type.slice(DONE.length), (event as { output?: unknown }).output);
      if (!inv) return IGNORE;
      return planStepMessage(context, { type: internal.done, id: inv.id, output: null }, scope, matches);
    }
    if (type.startsWith("stepchart.")) {
      // Unsealed: forged (the machine's own transitions reject it); sealed: a step's ctx op.
      return isSealed(event) ? planStepMessage(context, event as FromStepMsg, scope, matches) : IGNORE;
    }
    return planEvent(context, event, scope, matches);
  };

  /** The plan of `event` in `context`, computed once. */
  const plan = (context: RunContext, event: AnyEvent): Plan => {
    const cached = cache.get(context);
    if (cached && cached.event === event) return cached.plan;
    const made = compute(context, event);
    cache.set(context, { event, plan: made });
    return made;
  };

  return {
    plan,
    /** The plan a guard made for this transition, once: the first action to take it applies it. */
    takePlanned(context: RunContext, event: AnyEvent): Plan | undefined {
      const cached = cache.get(context);
      if (!cached || cached.event !== event) return undefined;
      cache.delete(context);
      return cached.plan;
    },
    /** This transition's plan, made now if no guard made it. */
    take(context: RunContext, event: AnyEvent): Plan {
      const made = plan(context, event);
      cache.delete(context);
      return made;
    },
    /** Guards of the step regions and the `human` region. */
    starts: (step: string) => (args: { context: RunContext; event: AnyEvent }) =>
      applies(plan(args.context, args.event)) && runsAfter(args.context, plan(args.context, args.event), step),
    ends: (step: string) => (args: { context: RunContext; event: AnyEvent }) =>
      applies(plan(args.context, args.event)) && !runsAfter(args.context, plan(args.context, args.event), step),
    asks: (args: { context: RunContext; event: AnyEvent }) =>
      applies(plan(args.context, args.event)) && waitsAfter(args.context, plan(args.context, args.event)),
    answered: (args: { context: RunContext; event: AnyEvent }) =>
      applies(plan(args.context, args.event)) && !waitsAfter(args.context, plan(args.context, args.event)),
    stops: (args: { context: RunContext; event: AnyEvent }) => {
      const made = plan(args.context, args.event);
      return made.kind === "apply" && made.stop !== undefined;
    },
    /** The invocation whose promise actor failed, when XState's error event is genuine. */
    failed(context: RunContext, event: { type: string }): Invocation | undefined {
      if (!event.type.startsWith(ERROR)) return undefined;
      return settledInvocation(context, event.type.slice(ERROR.length), (event as { error?: unknown }).error);
    },
  };
}

export type Planner = ReturnType<typeof createPlanner>;

function applies(plan: Plan): boolean {
  return plan.kind === "apply" && plan.stop === undefined;
}

/**
 * The invocation of step actor `actorId`, when `settled` is what its promise really settled with:
 * XState's done and error events are plain objects anyone can send (see `isSettledBy`).
 */
function settledInvocation(context: RunContext, actorId: string, settled: unknown): Invocation | undefined {
  const inv = context.inflight.find((i) => stepActorId(i.step, i.id) === actorId);
  return inv && isSettledBy(settled, inv.id) ? inv : undefined;
}
