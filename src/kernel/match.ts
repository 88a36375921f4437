import type { AnyEvent } from "../events/types.js";
import { sameJson } from "./incoming.js";
import { predicateOf } from "./protocol.js";
import type { WaiterMatch } from "./waiters.js";

/** `waitForEvent` predicates by waiter key (functions: they live beside the context, never in it). */
export type Predicates = ReadonlyMap<string, (event: unknown) => boolean>;

/**
 * Whether a waiter takes an event: its `where` object's fields must equal the event's, and its
 * `where` function must return true. A predicate not registered in this process is `"unknown"`
 * (a restored run whose step has not reached its `waitForEvent` again); one that throws says no.
 */
export function waiterMatch(predicates: Predicates | undefined): WaiterMatch {
  return (waiter, key, event: AnyEvent) => {
    if (waiter.match) {
      for (const field in waiter.match) if (!sameJson(event[field], waiter.match[field])) return false;
    }
    if (!waiter.predicate) return true;
    const predicate = predicateOf(waiter) ?? predicates?.get(key);
    if (!predicate) return "unknown";
    try {
      return predicate(event) === true;
    } catch {
      return false;
    }
  };
}
