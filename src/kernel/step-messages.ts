import type { ErrorInfo } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { now } from "../internal/timer.js";
import { collect } from "./collect.js";
import { EMPTY_RECORD, type Invocation, type RunContext, type Waiter } from "./context.js";
import type { Draft, Topology } from "./draft.js";
import { recordOp } from "./journal.js";
import { type FromStepMsg, internal, predicateOf, withPredicate } from "./protocol.js";
import { finish, routeEvent } from "./scheduler.js";
import { addWaiter, removeWaiter, unpark, type WaiterMatch } from "./waiters.js";

export type { WaiterMatch } from "./waiters.js";

/**
 * Applies a message from a running invocation to the draft: the op it reports (set, collect,
 * wait, ...) or its end. Returns the event to route within the same transition, when the message
 * carries one (a returned event, `null` for none, or a broadcast `sendEvent`); routing it is the
 * caller's, because a StopEvent must take a transition.
 */
export function applyStepMessage(
  d: Draft,
  msg: FromStepMsg,
  inv: Invocation,
  topology: Topology,
  matches: WaiterMatch,
): AnyEvent | null | undefined {
  switch (msg.type) {
    case internal.done:
      // Finished before the queued invocation that takes over the worker starts.
      traceFinished(d, inv.step, msg.id, "completed", msg.output?.type ?? null);
      finish(d, msg.id);
      return msg.output;
    case internal.set:
      recordOp(d, msg.id, msg.op);
      d.state[msg.key] = msg.value;
      return undefined;
    case internal.send:
      recordOp(d, msg.id, msg.op);
      if (msg.step === undefined) return msg.event;
      if (d.tracing) d.effects.push({ kind: "trace", event: msg.event, from: msg.id });
      routeEvent(d, msg.event, topology, matches, msg.step, msg.id);
      return undefined;
    case internal.sendMany: {
      // Like that many `send`s, counted as that many ops: all but the last are routed here, and
      // a StopEvent ends the burst (the run completes with it, so nothing after it is routed).
      const sends = msg.sends;
      let end = sends.findIndex((s) => s.step === undefined && s.event.type === "StopEvent");
      if (end < 0) end = sends.length - 1;
      recordOp(d, msg.id, msg.op + end);
      for (let i = 0; i <= end; i++) {
        const { event, step } = sends[i] as { event: AnyEvent; step?: string };
        if (step !== undefined) {
          if (d.tracing) d.effects.push({ kind: "trace", event, from: msg.id });
          routeEvent(d, event, topology, matches, step, msg.id);
        } else if (i === end) return event;
        else routeInline(d, event, topology, matches, msg.id);
      }
      return undefined;
    }
    case internal.stream:
      recordOp(d, msg.id, msg.op);
      d.effects.push({ kind: "publish", event: msg.event, from: msg.id });
      return undefined;
    case internal.publish:
      d.effects.push({ kind: "publish", event: msg.event, from: msg.id });
      return undefined;
    case internal.collect:
      recordOp(d, msg.id, msg.op, collect(d, inv.step, msg.event, msg.spec));
      return undefined;
    case internal.ran:
      recordOp(
        d,
        msg.id,
        msg.op,
        msg.result === undefined ? { name: msg.name } : { name: msg.name, result: msg.result },
      );
      return undefined;
    case internal.wait: {
      const op = recordOp(d, msg.id, msg.op);
      const waiter: Waiter = {
        id: msg.id,
        op,
        eventType: msg.eventType,
        predicate: msg.predicate,
        ...(msg.match ? { match: msg.match } : {}),
      };
      addWaiter(d, withPredicate(waiter, predicateOf(msg)), msg.prompt, matches);
      return undefined;
    }
    case internal.unwait:
      removeWaiter(d, msg.id, msg.op);
      return undefined;
    case internal.resumeWait:
      unpark(d, msg.id, msg.op, matches, predicateOf(msg));
      return undefined;
    case internal.retry:
      // The failed attempt's waiters (and their prompts) go with it; the next attempt asks again.
      for (const w of d.current("waiters").filter((w) => w.id === msg.id)) removeWaiter(d, w.id, w.op);
      d.putInvocation({ ...inv, lastError: msg.error, retryAt: now() + msg.delay });
      traceFinished(d, inv.step, msg.id, "retrying", null, msg.error);
      return undefined;
    case internal.attempt: {
      // A retry is a new attempt: its ops start again at 0 and apply. Only a re-run after a
      // restore replays the journal (of the attempt that was running when it was saved).
      const { retryAt: _, ...rest } = inv;
      d.putInvocation({ ...rest, attempt: inv.attempt + 1, ops: 0, journal: EMPTY_RECORD });
      if (d.tracing) {
        d.effects.push({
          kind: "trace",
          event: { type: "StepStartedEvent", step: inv.step, invocation: msg.id, event: inv.event.type },
        });
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Routes an event invocation `from` returned or sent within the same transition ("inline
 * delivery": one microstep instead of a raise and a second one). Not a StopEvent: that one is raised.
 */
export function routeInline(d: Draft, event: AnyEvent, topology: Topology, matches: WaiterMatch, from: number): void {
  if (d.tracing && event.type !== "InputRequiredEvent") d.effects.push({ kind: "trace", event, from });
  routeEvent(d, event, topology, matches, undefined, from);
}

/**
 * Whether a step message can take the short path: a plain `assign` plus one action instead of
 * `enqueueActions`, which costs more than the rest of a step. True when applying it can neither
 * publish a stream item, raise an event (StopEvent, stall check) nor touch human input, which is
 * what only `enqueueActions` can do. Decided from the message and the context alone.
 */
export function needsOnlyAssign(context: RunContext, msg: FromStepMsg, topology: Topology): boolean {
  if (context.pending.length > 0 || context.waiters.length > 0) return false;
  switch (msg.type) {
    case internal.set:
    case internal.collect:
    case internal.ran:
      return true;
    case internal.send:
      return msg.step !== undefined ? !isHumanInput(msg.event) : isRoutineEvent(msg.event, topology);
    case internal.sendMany:
      for (const { event, step } of msg.sends)
        if (step !== undefined ? isHumanInput(event) : !isRoutineEvent(event, topology)) return false;
      return true;
    case internal.done:
      // With nothing returned, the run may have stalled; the long path checks.
      return msg.output === null ? context.inflight.length > 1 : isRoutineEvent(msg.output, topology);
    default:
      return false;
  }
}

/** Prompts and answers change pending input (published, and the run timer may pause). */
function isHumanInput(event: AnyEvent): boolean {
  return event.type === "InputRequiredEvent" || event.type === "HumanResponseEvent";
}

function isRoutineEvent(event: AnyEvent, topology: Topology): boolean {
  return event.type !== "StopEvent" && event.type !== "InputRequiredEvent" && topology.acceptors(event.type).length > 0;
}

/** Traces a StepFinishedEvent for the `all` stream view, when anyone observes it. */
function traceFinished(
  d: Draft,
  step: string,
  invocation: number,
  status: "completed" | "retrying",
  output: string | null,
  error?: ErrorInfo,
): void {
  if (!d.tracing) return;
  const event = { type: "StepFinishedEvent", step, invocation, status, output };
  d.effects.push({ kind: "trace", event: error ? { ...event, error } : event });
}
