import type { AnyEvent } from "../events/types.js";
import { EMPTY_RECORD, type Invocation, type RunContext, type StepSlots, type Waiter, waiterKey } from "./context.js";
import type { Draft, Topology } from "./draft.js";
import { append, drop, emptyFifo, fifoSize, peek } from "./fifo.js";
import { park, removeWaiter, type WaiterMatch } from "./waiters.js";

/**
 * Routes an event: resolves matching waiters, records prompts, and delivers to every acceptor.
 * Returns whether anything took it (a waiter, a prompt it answered, or a step).
 */
export function routeEvent(
  d: Draft,
  event: AnyEvent,
  topology: Topology,
  matches: WaiterMatch,
  onlyStep?: string,
  from?: number,
): boolean {
  d.noteEvent(event.type);
  let resolvedPrompt = false;
  let parked = false;
  const waiters = d.current("waiters");
  let matched: Waiter[] | undefined;
  for (const w of waiters) {
    if (w.eventType !== event.type) continue;
    const verdict = matches(w, waiterKey(w.id, w.op), event);
    if (verdict === "unknown") {
      park(d, w, event);
      parked = true;
    } else if (verdict) {
      matched ??= [];
      matched.push(w);
    }
  }
  for (const waiter of matched ?? []) {
    resolvedPrompt = removeWaiter(d, waiter.id, waiter.op) || resolvedPrompt;
    const inv = d.invocation(waiter.id);
    if (!inv) continue;
    d.putInvocation({ ...inv, journal: { ...inv.journal, [waiter.op]: event } });
    d.effects.push({ kind: "resolve", step: inv.step, id: waiter.id, op: waiter.op, event });
  }
  if (event.type === "InputRequiredEvent") {
    d.pending.push({ event });
    d.effects.push(from === undefined ? { kind: "publish", event } : { kind: "publish", event, from });
  } else if (event.type === "HumanResponseEvent" && !resolvedPrompt) {
    // A response that answered no waiter answers the oldest prompt a step returned.
    const i = d.current("pending").findIndex((p) => p.waiter === undefined);
    if (i >= 0) {
      d.pending.splice(i, 1);
      resolvedPrompt = true;
    }
  }
  const targets = onlyStep ? [onlyStep] : topology.acceptors(event.type);
  for (const step of targets) deliver(d, step, event, topology);
  return matched !== undefined || parked || resolvedPrompt || targets.length > 0 || event.type === "InputRequiredEvent";
}

/** Holds an event from outside that no waiter took yet, for the next waiter it matches. */
export function hold(d: Draft, event: AnyEvent): void {
  d.held.push(event);
}

/** Starts an invocation of `step` on `event`, or queues the event when all workers are busy. */
export function deliver(d: Draft, step: string, event: AnyEvent, topology: Topology): void {
  const slots = d.current("slots")[step] ?? { active: 0, queue: emptyFifo() };
  if (slots.active < topology.workers(step)) {
    d.slots[step] = { active: slots.active + 1, queue: slots.queue };
    start(d, step, event);
  } else {
    d.slots[step] = { active: slots.active, queue: append(slots.queue, { event }) };
  }
}

function start(d: Draft, step: string, event: AnyEvent): void {
  const id = d.nextId();
  d.inflight.push({ id, step, event, attempt: 1, ops: 0, journal: EMPTY_RECORD });
  d.effects.push({ kind: "invoke", step, id });
  if (d.tracing)
    d.effects.push({ kind: "trace", event: { type: "StepStartedEvent", step, invocation: id, event: event.type } });
}

/** Ends an invocation: frees its worker and starts the next queued event of that step. */
export function finish(d: Draft, id: number): Invocation | undefined {
  const inv = d.invocation(id);
  if (!inv) return undefined;
  d.inflight.splice(d.inflight.indexOf(inv), 1);
  d.effects.push({ kind: "end", step: inv.step, id });
  for (const w of d.current("waiters").filter((w) => w.id === id)) removeWaiter(d, w.id, w.op);
  const slots = d.current("slots")[inv.step] as StepSlots;
  const next = peek(slots.queue);
  if (next) {
    d.slots[inv.step] = { active: slots.active, queue: drop(slots.queue) };
    start(d, inv.step, next.event);
  } else if (slots.active > 1) {
    d.slots[inv.step] = { active: slots.active - 1, queue: slots.queue };
  } else {
    // An idle step keeps no entry: a long run with many steps stays small.
    delete d.slots[inv.step];
  }
  return inv;
}

/** Nothing running, queued, awaited or pending: the run cannot make progress. */
export function isStalled(ctx: RunContext): boolean {
  if (ctx.pending.length > 0) return false;
  if (ctx.inflight.length > 0 || ctx.waiters.length > 0) return false;
  for (const step in ctx.slots)
    if ((ctx.slots[step] as StepSlots).active > 0 || fifoSize((ctx.slots[step] as StepSlots).queue) > 0) return false;
  return true;
}

/** Names of the steps with an invocation in flight, sorted. */
export function activeSteps(ctx: RunContext): string[] {
  return [...new Set(ctx.inflight.map((inv) => inv.step))].sort();
}
