import { type AnyActorLogic, type AnyActorRef, assign, setup } from "xstate";
import type { AnyEvent } from "../events/types.js";
import { disarmTimer } from "../execution/hosting.js";
import { createStepActor } from "../execution/step-actor.js";
import { invocationOf, type RunContext } from "../kernel/context.js";
import { accept } from "../kernel/incoming.js";
import { internal, isSealed } from "../kernel/protocol.js";
import {
  assignOnlyTransitions,
  enterRunningActions,
  restoreAction,
  routeAction,
  stepMessageAction,
} from "./compact-actions.js";
import { createCompactEffects } from "./compact-effects.js";
import { compactScope } from "./compact-scope.js";
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

// XState's config types are keyed by literal names; ours are computed from the definition.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };

/** Step messages that may take the assign-only path; the others always take `onStepMessage`. */
const ROUTINE = [internal.done, internal.set, internal.send, internal.sendMany, internal.collect, internal.ran];
const OTHER_OPS = [
  internal.stream,
  internal.publish,
  internal.wait,
  internal.unwait,
  internal.resumeWait,
  internal.retry,
  internal.attempt,
];

/**
 * The compact shape (`shape: "compact"`): one `running` state whose transitions apply every
 * message in context, step invocations run inside the workflow actor unless it is inspected
 * (see hosting.ts), a returned event is routed in the transition that ends its step. Several times
 * cheaper per step than the statechart shape, for hot loops.
 */
export function compileCompact(compile: CompileScope) {
  const scope = compactScope(compile);
  const { def, topology, env, machineId, options } = scope;
  const effects = createCompactEffects(scope);
  const factory = options.stepActor ?? createStepActor;
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of def.steps) actors[step.name] = factory(step, env);

  const route = routeAction(scope, effects);
  const onStepMessage = stepMessageAction(scope, effects);
  const short = assignOnlyTransitions(scope, effects);
  const isValidStop = named(
    "isValidStop",
    ({ event }: ActionArgs) => isSealed(event) && "event" in accept(event, topology),
  );
  const recordStop = named(
    "recordStop",
    assign(
      ({ event }: ActionArgs): Partial<RunContext> => ({
        outcome: { status: "completed", stop: (accept(event, topology) as { event: AnyEvent }).event },
      }),
    ),
  );

  // The transition table: every routed workflow event, every step message, the run's endings.
  const on: Record<string, Any> = {
    ...Object.fromEntries([...topology.routed].map((type) => [type, { actions: route }])),
    ...Object.fromEntries(ROUTINE.map((type) => [type, [short.assigns, { actions: onStepMessage }]])),
    ...Object.fromEntries(OTHER_OPS.map((type) => [type, { actions: onStepMessage }])),
    [internal.done]: [short.completes, short.assigns, { actions: onStepMessage }],
    [internal.failed]: [
      forgedGuard,
      failureTransition(machineId, (context, event) => {
        const inv = invocationOf(context.inflight, event.id);
        return inv && { step: inv.step, invocation: inv.id, attempts: event.attempts, error: event.error };
      }),
    ],
    StopEvent: [{ guard: isValidStop, target: `#${machineId}.completed`, actions: recordStop }, { actions: route }],
    [internal.restore]: { actions: restoreAction(scope, effects) },
    ...endingTransitions(machineId, def.timeout.run),
    "*": rejectUnknown,
  };

  return setup({ actors } as Any).createMachine({
    id: machineId,
    context: runContextFactory(def),
    initial: "running",
    output: outputOf,
    states: {
      running: {
        entry: enterRunningActions(scope, effects),
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
