import { type AnyActorLogic, type AnyActorRef, assign, enqueueActions, setup } from "xstate";
import type { WorkflowDefinition } from "../definition/types.js";
import { errorInfo, WorkflowStalledError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { bindingOfInput, bindRun } from "../execution/bindings.js";
import { disarmTimer, release, type StepActorsMode } from "../execution/hosting.js";
import type { StepEnvironment } from "../execution/invoker.js";
import { createStepActor, type StepActorFactory } from "../execution/step-actor.js";
import { EMPTY_RECORD, invocationOf, type Outcome, type RunContext } from "../kernel/context.js";
import { accept, initialState, toJsonSafe } from "../kernel/incoming.js";
import { errorOf } from "../kernel/outcome.js";
import { internal, isSealed, seal } from "../kernel/protocol.js";
import { activeSteps, isStalled } from "../kernel/scheduler.js";
import { createRunActions, named, rejectForged } from "./actions.js";
import { buildTopology } from "./topology.js";

/**
 * Options of `wf.toMachine()`.
 *
 * @example
 * ```ts
 * const machine = rag.toMachine({ resources: { index }, stepActors: "never" });
 * const answer = await toPromise(createActor(machine, { input: { query: "cats" } }).start());
 * ```
 */
export interface ToMachineOptions {
  /** Resources for every actor of this machine (merged over the workflow's defaults). */
  readonly resources?: Readonly<Record<string, unknown>>;
  /**
   * Whether each step invocation runs as its own XState actor (`src` = the step name, id
   * `step:n`). `"auto"` (the default) does so when the actor system has an inspector, and runs
   * invocations inside the workflow actor otherwise, which is several times cheaper. The
   * behaviour, context and events are the same either way.
   */
  readonly stepActors?: StepActorsMode;
  /** @internal Replaces the step actor logic (a durable backend's seam); implies `stepActors: "always"`. */
  readonly stepActor?: StepActorFactory;
}

// XState's action and event types are keyed by literal names; ours are computed from the
// definition at run time, so the compiler talks to `setup` through these erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };
type Enqueue = Any;

/**
 * Compiles a definition into a plain XState v5 machine: scheduling, queues, collect buffers,
 * waiters and user state in context, every workflow event a machine event of the same `type`,
 * each step's invocation logic registered under the step's name (see hosting.ts for where
 * invocations run). The actions live in actions.ts; this file is the machine's shape.
 */
export function compileMachine(def: WorkflowDefinition, options: ToMachineOptions = {}) {
  const topology = buildTopology(def);
  const machineId = def.name.replace(/[^\w-]/g, "_");
  const env: StepEnvironment = {
    resources: { ...def.resources, ...(options.resources ?? {}) },
    stateSchema: def.state,
    eventDefs: topology.eventDefs,
    accepts: topology.accepts,
  };
  const factory = options.stepActor ?? createStepActor;
  const actors: Record<string, AnyActorLogic> = {};
  for (const step of def.steps) actors[step.name] = factory(step, env);
  const mode: StepActorsMode = options.stepActor ? "always" : (options.stepActors ?? "auto");
  const runTimeout = def.timeout.run;

  const run = createRunActions({ def, topology, env, mode, machineId });

  const stepFailed = ({ context, event }: ActionArgs): Partial<RunContext> => {
    const inv = invocationOf(context.inflight, event.id);
    return {
      outcome: { status: "failed", step: inv?.step ?? null, attempts: event.attempts, error: errorInfo(event.error) },
    };
  };

  const on: Record<string, Any> = {};
  for (const type of topology.routed) on[type] = { actions: run.route };
  // A routine invocation that returns the StopEvent completes the run in this transition: the
  // event was validated when the step returned it, and raising it would cost a second microstep.
  for (const type of [internal.done, internal.set, internal.send, internal.sendMany, internal.collect, internal.ran]) {
    on[type] = [
      { guard: run.isRoutine, actions: [run.applyRoutine, run.performRoutine] },
      { actions: run.onStepMessage },
    ];
  }
  on[internal.done].unshift(run.completeRoutinely);
  for (const type of [
    internal.stream,
    internal.publish,
    internal.wait,
    internal.unwait,
    internal.rewait,
    internal.retry,
    internal.attempt,
  ]) {
    on[type] = { actions: run.onStepMessage };
  }
  on[internal.failed] = {
    guard: named(
      "isInFlight",
      ({ context, event }: ActionArgs) => invocationOf(context.inflight, event.id) !== undefined,
    ),
    target: `#${machineId}.failed`,
    actions: [
      named("recordFailure", assign(stepFailed)),
      named(
        "emitStepFailed",
        enqueueActions(({ context, event, enqueue }: ActionArgs & { enqueue: Enqueue }) => {
          const inv = invocationOf(context.inflight, event.id);
          enqueue.emit({
            type: "StepFinishedEvent",
            step: inv?.step,
            invocation: event.id,
            status: "failed",
            output: null,
            error: errorInfo(event.error),
          });
        }),
      ),
    ],
  };
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
  on[internal.timeout] = {
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
            pendingInput: context.pending.map(({ event }) =>
              typeof event.prefix === "string" && event.prefix ? event.prefix : event.type,
            ),
          },
        }),
      ),
    ),
  };
  on[internal.restore] = { actions: run.restore };
  on[internal.cancel] = {
    target: `#${machineId}.cancelled`,
    actions: named("recordCancel", assign({ outcome: (): Outcome => ({ status: "cancelled" }) })),
  };
  on[internal.check] = {
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
  // The runtime's own messages from anyone else are rejected before any other transition sees them.
  const forged = {
    guard: named("isForged", ({ event }: ActionArgs) => !isSealed(event)),
    actions: named(
      "rejectForged",
      enqueueActions(({ event, enqueue }: ActionArgs & { enqueue: Enqueue }) => rejectForged(enqueue, event)),
    ),
  };
  for (const type of [internal.failed, internal.timeout, internal.cancel, internal.check]) {
    on[type] = [forged, ...[on[type]].flat()];
  }
  on["*"] = {
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

  // Spawned step actors outlive their state and XState does not stop them when an action
  // throws, so a failure stops every invocation first and errors the actor a macrostep later.
  const fail = {
    entry: named(
      "stopAndRaise",
      enqueueActions(({ event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
        for (const id in self.getSnapshot().children) enqueue.stopChild(id);
        enqueue(() => release(self));
        enqueue.sendTo(self, seal({ type: internal.raise, cause: event?.error }));
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

  const machine = setup({ actors } as Any).createMachine({
    id: machineId,
    context: ({ input, self }: { input: unknown; self: AnyActorRef }): RunContext => {
      const binding = bindingOfInput(input);
      if (binding) bindRun(self, binding);
      const fields = input && typeof input === "object" ? { ...(input as object) } : {};
      const start = binding?.start ?? (def.start.parse({ ...fields, type: "StartEvent" }) as AnyEvent);
      return {
        runId: binding?.runId ?? globalThis.crypto.randomUUID(),
        start,
        state: initialState(def),
        slots: EMPTY_RECORD,
        inflight: [],
        buffers: EMPTY_RECORD,
        waiters: [],
        pending: [],
        held: [],
        clock: { deadline: runTimeout === null ? null : Date.now() + runTimeout, remaining: null },
        seq: 0,
        recent: [],
        outcome: null,
      };
    },
    initial: "running",
    output: ({ context }: ActionArgs) =>
      context.outcome?.status === "completed" ? (context.outcome.stop as { result?: unknown }).result : undefined,
    states: {
      running: {
        entry: run.enterRunning,
        exit: [named("disarmRunTimer", ({ self }: ActionArgs) => disarmTimer(self)), run.rejectHeld],
        on,
      },
      completed: { type: "final" },
      failed: fail,
      timedOut: fail,
      cancelled: fail,
    },
  } as Any);
  return { machine, topology };
}
