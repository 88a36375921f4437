import { type AnyActorLogic, type AnyActorRef, assign, enqueueActions, raise, setup } from "xstate";
import type { StepDefinition, WorkflowDefinition } from "../definition/types.js";
import { errorInfo, WorkflowStalledError } from "../errors.js";
import { trust } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { bindingOf, bindingOfInput, bindRun, predicatesOf } from "./bindings.js";
import { type Invocation, invocationOf, type Outcome, type RunContext, waiterKey } from "./context.js";
import {
  armTimer,
  disarmTimer,
  hostingOf,
  type RunHosting,
  release,
  type StepActorsMode,
  startInline,
} from "./hosting.js";
import { accept, initialState, sameJson, toJsonSafe } from "./incoming.js";
import type { StepEnvironment } from "./invoker.js";
import { errorOf } from "./outcome.js";
import { type FromStepMsg, internal } from "./protocol.js";
import {
  activeSteps,
  addWaiter,
  collect,
  Draft,
  type Effect,
  finish,
  isStalled,
  recordOp,
  removeWaiter,
  routeEvent,
} from "./scheduler.js";
import { createStepActor, type StepActorFactory, stepActorId } from "./step-actor.js";
import { applyStepMessage, isRoutineMessage, routeInline } from "./step-messages.js";
import { buildTopology } from "./topology.js";

/** Options of `wf.toMachine()`. */
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
 * Compiles a definition into a plain XState v5 machine: one long-lived actor per step (its `src`
 * and id are the step name), scheduling, queues, collect buffers, waiters and user state in
 * context, every workflow event a machine event of the same `type`.
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
  const stepsByName = new Map(def.steps.map((s) => [s.name, s]));
  const mode: StepActorsMode = options.stepActor ? "always" : (options.stepActors ?? "auto");
  const runTimeout = def.timeout.run;
  const pauseWhileWaiting = runTimeout !== null && !def.timeout.whileWaiting;

  const matches = (self: AnyActorRef) => (waiter: RunContext["waiters"][number], key: string, event: AnyEvent) => {
    if (waiter.match) {
      for (const field in waiter.match) if (!sameJson(event[field], waiter.match[field])) return false;
    }
    if (!waiter.predicate) return true;
    const predicate = predicatesOf(self).get(key);
    try {
      return predicate ? predicate(event) === true : false;
    } catch {
      return false;
    }
  };

  /**
   * Commits a draft: assign the changed branches, then perform its effects in order. Messages to
   * step actors and trace items go out through one custom action (cheaper than one XState action
   * each); stream items use XState's `emit`, so raw actor users can listen with `actor.on`.
   */
  const commit = (enqueue: Enqueue, d: Draft, self: AnyActorRef) => {
    const before = d.base.pending.length;
    enqueue.assign(d.patch());
    const effects = d.effects;
    const hosting = hostingOf(self, mode);
    let direct = false;
    for (const effect of effects) {
      if (effect.kind === "publish") enqueue.emit(effect.event);
      else if (!hosting.actors) direct ||= effect.kind !== "end";
      else if (effect.kind === "invoke")
        enqueue.spawnChild(effect.step, { id: stepActorId(effect.step, effect.id), input: { id: effect.id } });
      else if (effect.kind === "end") enqueue.stopChild(stepActorId(effect.step, effect.id));
      else direct = true;
    }
    if (direct) enqueue(() => perform(self, effects, hosting));
    if (pauseWhileWaiting) {
      // Time spent waiting for a person does not count: keep the remaining ms while paused.
      const after = d.current("pending").length;
      const clock = d.base.clock;
      if (before === 0 && after > 0 && clock.deadline !== null) {
        enqueue.assign({ clock: { deadline: null, remaining: Math.max(0, clock.deadline - Date.now()) } });
        enqueue(() => disarmTimer(self));
      } else if (before > 0 && after === 0 && clock.remaining !== null) {
        const remaining = clock.remaining;
        enqueue.assign({ clock: { deadline: Date.now() + remaining, remaining: null } });
        enqueue(() => armTimer(self, remaining));
      }
    }
  };

  /**
   * Routes an event a step returned or sent within the same transition ("inline delivery": one
   * microstep instead of a raise and a second one). A StopEvent is raised instead, because it
   * must take the transition to `completed`. The `all` stream view and inspectors still see it.
   */
  const deliverInline = (enqueue: Enqueue, d: Draft, event: AnyEvent | null, self: AnyActorRef) => {
    if (event && event.type !== "StopEvent") routeInline(d, event, topology, matches(self));
    commit(enqueue, d, self);
    if (event?.type === "StopEvent") enqueue.raise(event);
    else if (!event || topology.acceptors(event.type).length === 0) {
      if (isStalled({ ...d.base, ...d.patch() })) enqueue.raise({ type: internal.check });
    }
  };

  const route = enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
    const checked = accept(event, topology);
    if ("issues" in checked) {
      enqueue.emit({ type: "EventRejectedEvent", event: toJsonSafe(event), issues: checked.issues });
      return;
    }
    const d = new Draft(context, bindingOf(self)?.observe !== undefined);
    routeEvent(d, checked.event, topology, matches(self));
    commit(enqueue, d, self);
    if (checked.event.type === "HumanResponseEvent") enqueue.raise({ type: internal.check });
  });

  const onStepMessage = enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
    const msg = event as FromStepMsg;
    const inv = invocationOf(context.inflight, msg.id);
    if (!inv) return; // a message from an invocation that already ended
    const d = new Draft(context, bindingOf(self)?.observe !== undefined);
    const routed = applyStepMessage(d, msg, inv, topology, matches(self));
    if (routed !== undefined) deliverInline(enqueue, d, routed, self);
    else commit(enqueue, d, self);
  });

  // The short path for routine messages (see isRoutineMessage): `assign` computes the draft and
  // leaves its effects in the run's outbox, the next action performs them.
  const isRoutine = ({ context, event }: ActionArgs) =>
    (event as FromStepMsg).inline === true &&
    invocationOf(context.inflight, (event as FromStepMsg).id) !== undefined &&
    isRoutineMessage(context, event as FromStepMsg, topology);
  const applyRoutine = assign(({ context, event, self }: ActionArgs) => {
    const msg = event as FromStepMsg;
    const d = new Draft(context, bindingOf(self)?.observe !== undefined);
    const routed = applyStepMessage(
      d,
      msg,
      invocationOf(context.inflight, msg.id) as Invocation,
      topology,
      matches(self),
    );
    if (routed) routeInline(d, routed, topology, matches(self));
    hostingOf(self, mode).outbox = d.effects;
    return d.patch();
  });
  const performRoutine = ({ self }: ActionArgs) => {
    const hosting = hostingOf(self, mode);
    const effects = hosting.outbox;
    hosting.outbox = undefined;
    if (effects) perform(self, effects, hosting);
  };

  const stepFailed = ({ context, event }: ActionArgs): Partial<RunContext> => {
    const inv = invocationOf(context.inflight, event.id);
    return {
      outcome: { status: "failed", step: inv?.step ?? null, attempts: event.attempts, error: errorInfo(event.error) },
    };
  };

  const on: Record<string, Any> = {};
  for (const type of topology.routed) on[type] = { actions: route };
  // A routine invocation that returns the StopEvent completes the run in this transition: the
  // event was validated when the step returned it, and raising it would cost a second microstep.
  const stopsRoutinely = ({ context, event }: ActionArgs) => {
    const msg = event as FromStepMsg;
    return (
      msg.inline === true &&
      msg.type === internal.done &&
      msg.output?.type === "StopEvent" &&
      invocationOf(context.inflight, msg.id) !== undefined
    );
  };
  const completeRoutinely = {
    guard: stopsRoutinely,
    target: `#${machineId}.completed`,
    actions: [
      assign(({ context, event, self }: ActionArgs): Partial<RunContext> => {
        const msg = event as FromStepMsg & { output: AnyEvent };
        const d = new Draft(context, bindingOf(self)?.observe !== undefined);
        applyStepMessage(d, msg, invocationOf(context.inflight, msg.id) as Invocation, topology, matches(self));
        hostingOf(self, mode).outbox = d.effects.filter((e) => e.kind === "trace");
        return { ...d.patch(), outcome: { status: "completed", stop: msg.output } };
      }),
      performRoutine,
    ],
  };
  for (const type of [internal.done, internal.set, internal.send, internal.sendMany, internal.collect]) {
    on[type] = [{ guard: isRoutine, actions: [applyRoutine, performRoutine] }, { actions: onStepMessage }];
  }
  on[internal.done].unshift(completeRoutinely);
  for (const type of [internal.stream, internal.wait, internal.unwait, internal.retry, internal.attempt]) {
    on[type] = { actions: onStepMessage };
  }
  on[internal.failed] = {
    guard: ({ context, event }: ActionArgs) => invocationOf(context.inflight, event.id) !== undefined,
    target: `#${machineId}.failed`,
    actions: [
      assign(stepFailed),
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
    ],
  };
  on.StopEvent = [
    {
      guard: ({ event }: ActionArgs) => "event" in accept(event, topology),
      target: `#${machineId}.completed`,
      actions: assign(
        ({ event }: ActionArgs): Partial<RunContext> => ({
          outcome: { status: "completed", stop: (accept(event, topology) as { event: AnyEvent }).event },
        }),
      ),
    },
    { actions: route },
  ];
  on[internal.timeout] = {
    guard: ({ context }: ActionArgs) => context.clock.deadline !== null,
    target: `#${machineId}.timedOut`,
    actions: assign(
      ({ context }: ActionArgs): Partial<RunContext> => ({
        outcome: { status: "timedOut", timeout: runTimeout ?? 0, activeSteps: activeSteps(context) },
      }),
    ),
  };
  on[internal.rearm] = {
    actions: ({ context, self }: ActionArgs) => {
      if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - Date.now()));
    },
  };
  on[internal.cancel] = {
    target: `#${machineId}.cancelled`,
    actions: assign({ outcome: (): Outcome => ({ status: "cancelled" }) }),
  };
  on[internal.check] = {
    guard: ({ context }: ActionArgs) => isStalled(context),
    target: `#${machineId}.failed`,
    actions: assign(
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
  };
  on["*"] = {
    actions: enqueueActions(({ event, enqueue }: ActionArgs & { enqueue: Enqueue }) => {
      const type = typeof event?.type === "string" ? event.type : "";
      if (type.startsWith("stepchart.") || type.startsWith("xstate.")) return;
      enqueue.emit({
        type: "EventRejectedEvent",
        event: toJsonSafe(event),
        issues: [{ path: "type", message: `this workflow does not accept events of type "${type}"` }],
      });
    }),
  };

  // Spawned step actors outlive their state and XState does not stop them when an action
  // throws, so a failure stops every invocation first and errors the actor a macrostep later.
  const fail = {
    entry: enqueueActions(({ event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      for (const id in self.getSnapshot().children) enqueue.stopChild(id);
      enqueue(() => release(self));
      enqueue.sendTo(self, { type: internal.raise, cause: event?.error });
    }),
    on: {
      [internal.raise]: {
        actions: ({ context, event }: ActionArgs) => {
          throw errorOf(context.outcome, event.cause);
        },
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
        slots: {},
        inflight: [],
        buffers: {},
        waiters: [],
        pending: [],
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
        entry: [
          // The StartEvent is a machine event for inspectors (step actors hosting); an inline run
          // routes it in its first microstep, as it routes every event a step returns.
          enqueueActions(({ context, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
            const start = trust({ ...context.start });
            if (hostingOf(self, mode).actors) {
              enqueue.raise(start);
              return;
            }
            const d = new Draft(context, bindingOf(self)?.observe !== undefined);
            routeEvent(d, start, topology, matches(self));
            commit(enqueue, d, self);
          }),
          // A plain timer rather than XState's `after`: the same event at a fraction of the cost.
          ({ context, self }: ActionArgs) => {
            if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - Date.now()));
          },
        ],
        exit: ({ self }: ActionArgs) => disarmTimer(self),
        on,
      },
      completed: { type: "final" },
      failed: fail,
      timedOut: fail,
      cancelled: fail,
    },
  } as Any);
  return { machine, topology };

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
            relay(self, children[stepActorId(effect.step, effect.id)], {
              type: internal.resolve,
              id: effect.id,
              op: effect.op,
              event: effect.event,
            });
          }
          break;
        case "trace":
          observe?.(effect.event);
          break;
      }
    }
  }
}

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
