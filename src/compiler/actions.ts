import { type AnyActorRef, assign, enqueueActions } from "xstate";
import type { StepDefinition, WorkflowDefinition } from "../definition/types.js";
import { StepInterruptedError } from "../errors.js";
import { trust } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { bindingOf, predicatesOf } from "../execution/bindings.js";
import {
  armTimer,
  disarmTimer,
  hostingOf,
  type RunHosting,
  type StepActorsMode,
  startInline,
} from "../execution/hosting.js";
import type { StepEnvironment } from "../execution/invoker.js";
import { stepActorId } from "../execution/step-actor.js";
import { type Invocation, invocationOf, type RunContext } from "../kernel/context.js";
import { Draft, type Effect, FROM_OUTSIDE } from "../kernel/draft.js";
import { accept, toJsonSafe } from "../kernel/incoming.js";
import { waiterMatch } from "../kernel/match.js";
import { type FromStepMsg, internal, isSealed, seal } from "../kernel/protocol.js";
import { hold, isStalled, routeEvent } from "../kernel/scheduler.js";
import { applyStepMessage, needsOnlyAssign, routeInline } from "../kernel/step-messages.js";
import { named, rejectForged } from "./endings.js";
import type { CompiledTopology } from "./topology.js";

// XState's action types are keyed by literal names; ours are computed from the definition at
// run time, so these talk to XState through erased shapes.
// biome-ignore lint/suspicious/noExplicitAny: see above
type Any = any;
type ActionArgs = { context: RunContext; event: Any; self: AnyActorRef };
type Enqueue = Any;

/** What the run's actions are built from (one compile of one definition). */
export interface RunActionsScope {
  readonly def: WorkflowDefinition;
  readonly topology: CompiledTopology;
  readonly env: StepEnvironment;
  readonly mode: StepActorsMode;
  readonly machineId: string;
}

/**
 * The actions of a running workflow: routing incoming events, applying step messages (a short
 * path for routine ones, `enqueueActions` for the rest) and performing their effects on the
 * run's host (inline invoker or spawned step actors).
 */
export function createRunActions({ def, topology, env, mode, machineId }: RunActionsScope) {
  const stepsByName = new Map(def.steps.map((s) => [s.name, s]));
  const stopDef = def.stop;
  const pauseWhileWaiting = def.timeout.run !== null && !def.timeout.whileWaiting;

  const matches = (self: AnyActorRef) => waiterMatch(predicatesOf(self));

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
  const deliverInline = (enqueue: Enqueue, d: Draft, event: AnyEvent | null, from: number, self: AnyActorRef) => {
    if (event && event.type !== "StopEvent") routeInline(d, event, topology, matches(self), from);
    commit(enqueue, d, self);
    // Sealed: only the runtime's own StopEvent may take the transition to `completed`. A copy (the
    // step's object may be frozen, and stays as it was), checked already when the step returned it.
    if (event?.type === "StopEvent") enqueue.raise(seal(trust({ ...event }, stopDef)));
    else if (!event || topology.acceptors(event.type).length === 0) {
      if (isStalled({ ...d.base, ...d.patch() })) enqueue.raise(seal({ type: internal.check }));
    }
  };

  const route = named(
    "route",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      // From outside, only the types the workflow takes from outside: a raw StartEvent would start
      // the run again, an InputRequiredEvent would fake a prompt. The runtime's own raises are sealed.
      const own = isSealed(event);
      const checked: ReturnType<typeof accept> =
        own || topology.external.has(event.type)
          ? accept(event, topology)
          : { issues: [{ path: "type", message: `this workflow does not take "${event.type}" from outside` }] };
      if ("issues" in checked) {
        enqueue.emit({ type: "EventRejectedEvent", event: toJsonSafe(event), issues: checked.issues });
        return;
      }
      const d = new Draft(context, bindingOf(self)?.observe !== undefined);
      if (d.tracing) d.effects.push({ kind: "trace", event: checked.event, from: FROM_OUTSIDE });
      const taken = routeEvent(d, checked.event, topology, matches(self));
      // Sent before the step that waits for it got there: held for that waiter, never dropped.
      if (!taken && topology.awaited.has(checked.event.type)) hold(d, checked.event);
      commit(enqueue, d, self);
      if (checked.event.type === "HumanResponseEvent") enqueue.raise(seal({ type: internal.check }));
    }),
  );

  const onStepMessage = named(
    "onStepMessage",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      const msg = event as FromStepMsg;
      if (!isSealed(msg)) return rejectForged(enqueue, msg);
      const inv = invocationOf(context.inflight, msg.id);
      if (!inv) return; // a message from an invocation that already ended
      const d = new Draft(context, bindingOf(self)?.observe !== undefined);
      const routed = applyStepMessage(d, msg, inv, topology, matches(self));
      if (routed !== undefined) deliverInline(enqueue, d, routed, msg.id, self);
      else commit(enqueue, d, self);
    }),
  );

  // The short path for routine messages (see needsOnlyAssign): `assign` computes the draft and
  // leaves its effects in the run's outbox, the next action performs them.
  const isAssignOnly = ({ context, event }: ActionArgs) =>
    (event as FromStepMsg).inline === true &&
    isSealed(event) &&
    invocationOf(context.inflight, (event as FromStepMsg).id) !== undefined &&
    needsOnlyAssign(context, event as FromStepMsg, topology);
  const assignStepMessage = named(
    "assignStepMessage",
    assign(({ context, event, self }: ActionArgs) => {
      const msg = event as FromStepMsg;
      const d = new Draft(context, bindingOf(self)?.observe !== undefined);
      const match = matches(self);
      const routed = applyStepMessage(d, msg, invocationOf(context.inflight, msg.id) as Invocation, topology, match);
      if (routed) routeInline(d, routed, topology, match, msg.id);
      hostingOf(self, mode).outbox = d.effects;
      return d.patch();
    }),
  );
  const performAssigned = ({ self }: ActionArgs) => {
    const hosting = hostingOf(self, mode);
    const effects = hosting.outbox;
    hosting.outbox = undefined;
    if (effects) perform(self, effects, hosting);
  };

  const returnsStop = ({ context, event }: ActionArgs) => {
    const msg = event as FromStepMsg;
    return (
      msg.inline === true &&
      msg.type === internal.done &&
      isSealed(msg) &&
      msg.output?.type === "StopEvent" &&
      invocationOf(context.inflight, msg.id) !== undefined
    );
  };
  const completeWithReturnedStop = {
    guard: returnsStop,
    target: `#${machineId}.completed`,
    actions: [
      named(
        "completeRun",
        assign(({ context, event, self }: ActionArgs): Partial<RunContext> => {
          const msg = event as FromStepMsg & { output: AnyEvent };
          const d = new Draft(context, bindingOf(self)?.observe !== undefined);
          applyStepMessage(d, msg, invocationOf(context.inflight, msg.id) as Invocation, topology, matches(self));
          hostingOf(self, mode).outbox = d.effects.filter((e) => e.kind === "trace");
          return { ...d.patch(), outcome: { status: "completed", stop: msg.output } };
        }),
      ),
      performAssigned,
    ],
  };
  // The StartEvent is a machine event for inspectors (step actors hosting); an inline run
  // routes it in its first microstep, as it routes every event a step returns.
  const enterRunning = [
    named(
      "routeStart",
      enqueueActions(({ context, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
        const start = trust({ ...context.start });
        if (hostingOf(self, mode).actors) {
          enqueue.raise(seal(start));
          return;
        }
        const d = new Draft(context, bindingOf(self)?.observe !== undefined);
        // The object context holds, not the routing copy: a trace keeps it for the run's life.
        if (d.tracing) d.effects.push({ kind: "trace", event: context.start, from: FROM_OUTSIDE });
        routeEvent(d, start, topology, matches(self));
        commit(enqueue, d, self);
      }),
    ),
    // A plain timer rather than XState's `after`: the same event at a fraction of the cost.
    named("armRunTimer", ({ context, self }: ActionArgs) => {
      if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - Date.now()));
    }),
  ];

  // Nothing of a run lives outside its context but invocations and the timer: a restored actor
  // gets both back here. In-flight invocations re-run from their journal (at-least-once).
  // A raw XState user restores with an unsealed `stepchart.restore`: taken only while this actor
  // has started nothing in this process, so sending it to a live run can change nothing.
  const restore = named(
    "restore",
    enqueueActions(({ context, event, enqueue, self }: ActionArgs & { enqueue: Enqueue }) => {
      const hosting = hostingOf(self, mode);
      const startedHere = hosting.invoker !== undefined || Object.keys(self.getSnapshot().children).length > 0;
      if (!isSealed(event) && startedHere) return rejectForged(enqueue, event);
      const d = new Draft(context, bindingOf(self)?.observe !== undefined);
      for (const inv of context.inflight) {
        const running = hosting.actors
          ? stepActorId(inv.step, inv.id) in self.getSnapshot().children
          : hosting.invoker?.has(inv.id) === true;
        if (running) continue;
        if (stepsByName.get(inv.step)?.onRestore === "fail") {
          enqueue.raise(
            seal({
              type: internal.failed,
              id: inv.id,
              error: new StepInterruptedError(inv.step),
              attempts: inv.attempt,
            }),
          );
          return;
        }
        d.effects.push({ kind: "invoke", step: inv.step, id: inv.id });
        if (d.tracing) {
          d.effects.push({
            kind: "trace",
            event: { type: "StepStartedEvent", step: inv.step, invocation: inv.id, event: inv.event.type },
          });
        }
      }
      commit(enqueue, d, self);
      enqueue(() => {
        if (context.clock.deadline !== null) armTimer(self, Math.max(0, context.clock.deadline - Date.now()));
      });
    }),
  );

  return {
    route,
    onStepMessage,
    isAssignOnly,
    assignStepMessage,
    performAssigned,
    completeWithReturnedStop,
    enterRunning,
    restore,
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
