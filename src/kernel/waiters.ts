import type { AnyEvent } from "../events/types.js";
import { type Waiter, waiterKey } from "./context.js";
import type { Draft } from "./draft.js";
import { predicateOf, type WaitPredicate, withPredicate } from "./protocol.js";

/**
 * Decides whether a waiter takes an event; `"unknown"` when its predicate is not in this process
 * yet (a restored run whose step has not reached its `waitForEvent` again).
 */
export type WaiterMatch = (waiter: Waiter, key: string, event: AnyEvent) => boolean | "unknown";

export function park(d: Draft, waiter: Waiter, event: AnyEvent): void {
  const i = d.current("waiters").indexOf(waiter);
  if (i >= 0)
    d.waiters[i] = withPredicate({ ...waiter, parked: [...(waiter.parked ?? []), event] }, predicateOf(waiter));
}

/**
 * The step re-registered waiter `op` (its predicate is back): the first parked event it takes
 * resolves it, as if it had just arrived.
 */
export function unpark(d: Draft, id: number, op: number, matches: WaiterMatch, predicate?: WaitPredicate): void {
  const i = d.current("waiters").findIndex((w) => w.id === id && w.op === op);
  const waiter = d.current("waiters")[i];
  if (!waiter) return;
  const { parked: events, ...rest } = waiter;
  withPredicate(rest, predicate ?? predicateOf(waiter));
  d.waiters[i] = rest;
  if (!events) return;
  const taken = events.find((event) => matches(rest, waiterKey(id, op), event) === true);
  if (!taken) return;
  removeWaiter(d, id, op);
  const inv = d.invocation(id);
  if (!inv) return;
  d.putInvocation({ ...inv, journal: { ...inv.journal, [op]: taken } });
  d.effects.push({ kind: "resolve", step: inv.step, id, op, event: taken });
}

/**
 * Registers a waiter and publishes its prompt. An event held for it (it came before the step
 * asked) resolves it at once; its prompt is still published, but is not pending.
 */
export function addWaiter(d: Draft, waiter: Waiter, prompt: AnyEvent | undefined, matches: WaiterMatch): void {
  const key = waiterKey(waiter.id, waiter.op);
  const held = d.current("held");
  const at =
    held.length === 0 ? -1 : held.findIndex((e) => e.type === waiter.eventType && matches(waiter, key, e) === true);
  if (prompt) d.effects.push({ kind: "publish", event: prompt, from: waiter.id });
  if (at >= 0) {
    const event = d.held.splice(at, 1)[0] as AnyEvent;
    const inv = d.invocation(waiter.id);
    if (!inv) return;
    d.putInvocation({ ...inv, journal: { ...inv.journal, [waiter.op]: event } });
    d.effects.push({ kind: "resolve", step: inv.step, id: waiter.id, op: waiter.op, event });
    return;
  }
  d.waiters.push(waiter);
  if (prompt?.type === "InputRequiredEvent") d.pending.push({ event: prompt, waiter: key });
}

/** Removes a waiter (and its prompt); true when a prompt was pending for it. */
export function removeWaiter(d: Draft, id: number, op: number): boolean {
  const at = d.current("waiters").findIndex((w) => w.id === id && w.op === op);
  if (at < 0) return false;
  d.waiters.splice(at, 1);
  const key = waiterKey(id, op);
  const i = d.current("pending").findIndex((p) => p.waiter === key);
  if (i < 0) return false;
  d.pending.splice(i, 1);
  return true;
}
