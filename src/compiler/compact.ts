import { type AnyActorLogic, type AnyActorRef, assign, setup } from "xstate";
import type { AnyEvent } from "../events/types.js";
import { disarmTimer, type StepActorsMode } from "../execution/hosting.js";
import { createStepActor } from "../execution/step-actor.js";
import { invocationOf, type RunContext } from "../kernel/context.js";
import { accept } from "../kernel/incoming.js";
import { internal, isSealed } from "../kernel/protocol.js";
import { createRunActions } from "./actions.js";
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
import { type CompileScope, runContextFactory } from "./scope.js";

// XState's action and event types are keyed by literal names; ours are computed from the
// definition at run time, so the compiler talks to `setup` through these erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };

/**
 * The compact shape (`shape: "compact"`): one `running` state whose transitions apply every
 * message in context, step invocations run inside the workflow actor unless it is inspected
 * (see hosting.ts), a returned event is routed in the transition that ends its step. Several times
 * cheaper per step than the statechart shape, for hot loops. The actions live in actions.ts.
 */
export function compileCompact(scope: CompileScope) {
  const { def, options, topology, env, machineId } = scope;
  const factory = options.stepActor ?? createStepActor;
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of def.steps) actors[step.name] = factory(step, env);
  const mode: StepActorsMode = options.stepActor ? "always" : (options.stepActors ?? "auto");
  const runTimeout = def.timeout.run;

  const run = createRunActions({ def, topology, env, mode, machineId });

  const on: Record<string, Any> = {};
  for (const type of topology.routed) on[type] = { actions: run.route };
  // A routine invocation that returns the StopEvent completes the run in this transition: the
  // event was validated when the step returned it, and raising it would cost a second microstep.
  for (const type of [internal.done, internal.set, internal.send, internal.sendMany, internal.collect, internal.ran]) {
    on[type] = [
      { guard: run.isAssignOnly, actions: [run.assignStepMessage, run.performAssigned] },
      { actions: run.onStepMessage },
    ];
  }
  on[internal.done].unshift(run.completeWithReturnedStop);
  for (const type of [
    internal.stream,
    internal.publish,
    internal.wait,
    internal.unwait,
    internal.resumeWait,
    internal.retry,
    internal.attempt,
  ]) {
    on[type] = { actions: run.onStepMessage };
  }
  on[internal.failed] = failureTransition(machineId, (context, event) => {
    const inv = invocationOf(context.inflight, event.id);
    return inv && { step: inv.step, invocation: inv.id, attempts: event.attempts, error: event.error };
  });
  on.StopEvent = [
    {
      guard: named("isValidStop", ({ event }: ActionArgs) => isSealed(event) && "event" in accept(event, topology)),
      target: `#${machineId}.completed`,
      actions: named(
        "recordStop",
        assign(
          ({ event }: ActionArgs): Partial<RunContext> => ({
            outcome: { status: "completed", stop: (accept(event, topology) as { event: AnyEvent }).event },
          }),
        ),
      ),
    },
    { actions: run.route },
  ];
  on[internal.restore] = { actions: run.restore };
  Object.assign(on, endingTransitions(machineId, runTimeout));
  // The runtime's own messages from anyone else are rejected before any other transition sees them.
  on[internal.failed] = [forgedGuard, on[internal.failed]];
  on["*"] = rejectUnknown;

  return setup({ actors } as Any).createMachine({
    id: machineId,
    context: runContextFactory(def),
    initial: "running",
    output: outputOf,
    states: {
      running: {
        entry: run.enterRunning,
        exit: [named("disarmRunTimer", ({ self }: ActionArgs) => disarmTimer(self)), rejectHeld],
        on,
      },
      completed: { type: "final" },
      failed: failState,
      timedOut: failState,
      cancelled: failState,
    },
  } as Any);
}
