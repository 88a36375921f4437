import { setup } from "xstate";
import { RUN_CLOCK, runClock } from "../execution/clock.js";
import { createPromiseStep, stepErrorOf } from "../execution/promise-step.js";
import type { RunContext } from "../kernel/context.js";
import { internal } from "../kernel/protocol.js";
import {
  endingTransitions,
  failState,
  failureTransition,
  forgedGuard,
  named,
  outputOf,
  rejectHeld,
  rejectUnknown,
} from "./endings.js";
import { createPlanner } from "./planner.js";
import { type RunRegions, runRegions, STEP_DONE } from "./regions.js";
import { type CompileScope, runContextFactory } from "./scope.js";
import { createStatechartActions } from "./statechart-actions.js";

// XState's config types are keyed by literal names; ours are computed from the definition.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;

/** Step messages that are no workflow events (ctx ops, stream writes, retries). */
const STEP_OPS = [
  internal.set,
  internal.collect,
  internal.ran,
  internal.stream,
  internal.publish,
  internal.wait,
  internal.unwait,
  internal.resumeWait,
  internal.retry,
  internal.attempt,
];

/**
 * The statechart shape (the default): `running` is a parallel state with one region per step
 * (`idle` | `running`, running exactly while an invocation of the step is in flight) and a
 * `human` region (`idle` | `waiting`, waiting exactly while a prompt is pending) when the
 * workflow asks people. Each invocation is a promise actor spawned from the step's logic; every
 * workflow event is a machine event of its own type. Each event is planned once (planner.ts):
 * the regions it changes take their transitions, guarded on that plan, in the same microstep.
 */
export function compileStatechart(scope: CompileScope) {
  const { def, topology, env, machineId } = scope;
  const regions = runRegions(def);
  const planner = createPlanner(scope);
  const act = createStatechartActions(scope, planner);
  const actors: Record<string, Any> = {};
  for (const step of def.steps) actors[step.name] = createPromiseStep(step, env);
  const runTimeout = def.timeout.run;
  const pauses = runTimeout !== null && !def.timeout.whileWaiting && regions.human !== null;
  const clock = runTimeout === null ? undefined : clockInvoke();
  if (clock) actors[RUN_CLOCK] = runClock;

  const on: Record<string, Any> = {};
  const workflowTypes = new Set([...topology.routed, ...topology.eventDefs.keys()]);
  workflowTypes.delete("StopEvent");
  for (const type of workflowTypes) on[type] = { actions: act.applyPlan };
  on.StopEvent = [
    { guard: named("stops", planner.stops), target: `#${machineId}.completed`, actions: act.completeRun },
    { actions: act.applyPlan },
  ];
  on[STEP_DONE] = { actions: act.applyPlan };
  on["xstate.error.actor.*"] = failureTransition(machineId, (context, event) => {
    const inv = planner.failed(context, event);
    return inv && { step: inv.step, invocation: inv.id, attempts: inv.attempt, error: stepErrorOf(event.error) };
  });
  for (const type of STEP_OPS) on[type] = [forgedGuard, { actions: act.applyPlan }];
  Object.assign(on, endingTransitions(machineId, runTimeout));
  // A restored snapshot continues by itself; only one saved before the run's first step (a store's
  // first record) still needs its start event, which stepchart's `resume` asks for with this.
  on[internal.restore] = {
    guard: named("notStarted", ({ context }: { context: RunContext }) => context.recent.length === 0),
    actions: act.sendStart,
  };
  on["*"] = rejectUnknown;

  return setup({ actors } as Any).createMachine({
    id: machineId,
    context: runContextFactory(def),
    initial: "running",
    output: outputOf,
    states: {
      running: {
        type: "parallel",
        entry: act.sendStart,
        exit: rejectHeld,
        ...(clock && !pauses ? { invoke: clock } : {}),
        on,
        states: regionStates(regions, planner, act.applyPlanned, pauses ? clock : undefined),
      },
      completed: { type: "final" },
      failed: failState,
      timedOut: failState,
      cancelled: failState,
    },
  } as Any);
}

/** The run clock, invoked while the run timer runs (see clock.ts). */
function clockInvoke() {
  return {
    id: RUN_CLOCK,
    src: RUN_CLOCK,
    input: ({ context }: { context: RunContext }) => ({ deadline: context.clock.deadline }),
  };
}

/** The declarative transition table of the regions: which events may move each, on which plan. */
function regionStates(
  regions: RunRegions,
  planner: ReturnType<typeof createPlanner>,
  apply: Any,
  clockWhileIdle: Any,
): Record<string, Any> {
  const states: Record<string, Any> = {};
  const table = (types: readonly string[], guard: Any, target: string) =>
    Object.fromEntries(types.map((type) => [type, { guard, target, actions: apply }]));
  for (const region of regions.steps) {
    states[region.key] = {
      initial: "idle",
      description: region.description,
      states: {
        idle: { on: table(region.starts, named("starts", planner.starts(region.key)), "running") },
        running: { on: table(region.ends, named("ends", planner.ends(region.key)), "idle") },
      },
    };
  }
  const human = regions.human;
  if (human) {
    states[human.key] = {
      initial: "idle",
      description: "a person answers prompts",
      states: {
        idle: {
          on: table(human.asks, named("asks", planner.asks), "waiting"),
          // The run timer stops while a person is asked (`timeout.whileWaiting: false`).
          ...(clockWhileIdle ? { invoke: clockWhileIdle } : {}),
        },
        waiting: { on: table(human.answers, named("answered", planner.answered), "idle") },
      },
    };
  }
  return states;
}
