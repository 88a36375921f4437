import type { z } from "zod";
import type { WorkflowDefinition } from "../definition/types.js";
import type { ValidationIssue } from "../errors.js";
import { issuesOf, isTrusted, trust } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { EMPTY_RECORD } from "./context.js";
import type { CompiledTopology } from "./topology.js";

/** Validates an incoming event for routing: known type, valid payload (factory-built events are trusted). */
export function accept(
  event: AnyEvent,
  topology: CompiledTopology,
): { event: AnyEvent } | { issues: ValidationIssue[] } {
  if (isTrusted(event)) return { event };
  const def = topology.eventDefs.get(event.type);
  if (!def)
    return { issues: [{ path: "type", message: `this workflow does not accept events of type "${event.type}"` }] };
  const { type: _, ...fields } = event;
  const result = (def.schema as z.ZodType).safeParse(fields);
  if (!result.success) return { issues: issuesOf(result.error) };
  return { event: trust({ type: event.type, ...(result.data as object) }) as AnyEvent };
}

/** The initial user state: the `.default()`s of the `state` schema. */
export function initialState(def: WorkflowDefinition): Record<string, unknown> {
  if (!def.state) return EMPTY_RECORD;
  const state: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(def.state.shape as Record<string, z.ZodType>)) {
    const result = field.safeParse(undefined);
    if (result.success && result.data !== undefined) state[key] = result.data;
  }
  return state;
}

/** Field equality for `where: { ... }` waiters: identical, or the same JSON. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A JSON copy of a rejected event, safe to keep in a stream item whatever the sender passed. */
export function toJsonSafe(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value) ?? "null");
  } catch {
    return String(value);
  }
}
