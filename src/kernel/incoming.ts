import type { z } from "zod/v4";
import type { WorkflowDefinition } from "../definition/types.js";
import type { ValidationIssue } from "../errors.js";
import { issuesOf, isTrusted, trust } from "../events/define-event.js";
import type { AnyEvent, AnyEventDef } from "../events/types.js";
import { describeThrown, formatPath, issuePath, jsonProblem } from "../internal/json.js";
import { EMPTY_RECORD } from "./context.js";

/**
 * Validates an incoming event for routing: known type, valid JSON payload. Events built by the
 * workflow's own definition of their type are trusted; any other (a raw `actor.send`, a restored
 * snapshot's, the built-in `StartEvent` where the workflow's start is typed) is checked in full.
 */
export function accept(
  event: AnyEvent,
  topology: { readonly eventDefs: ReadonlyMap<string, AnyEventDef> },
): { event: AnyEvent } | { issues: ValidationIssue[] } {
  const def = topology.eventDefs.get(event.type);
  if (def && isTrusted(event, def)) return { event };
  if (!def)
    return { issues: [{ path: "type", message: `this workflow does not accept events of type "${event.type}"` }] };
  const { type: _, ...fields } = event;
  // Deep or cyclic fields are refused before zod can recurse into them; the factory checks JSON.
  const shape = jsonProblem(fields, { shapeOnly: true });
  if (shape) return { issues: [{ path: issuePath(shape.path), message: shape.reason }] };
  const result = (def.schema as z.ZodType).safeParse(fields);
  if (!result.success) return { issues: issuesOf(result.error) };
  const problem = jsonProblem(result.data, { allowUndefinedProperties: true });
  if (problem) return { issues: [{ path: issuePath(problem.path), message: problem.reason }] };
  return { event: trust({ type: event.type, ...(result.data as object) }, def) as AnyEvent };
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

/**
 * Field equality for `where: { ... }` waiters: identical, or the same JSON. A value that is not
 * JSON (a cyclic `where`) equals nothing but itself.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (jsonProblem(a, { shapeOnly: true }) || jsonProblem(b, { shapeOnly: true })) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false; // a BigInt, a throwing toJSON
  }
}

/**
 * A JSON copy of a rejected event, safe to keep in a stream item whatever the sender passed: a
 * value too deep or cyclic to copy is replaced by a description of why.
 */
export function toJsonSafe(value: unknown): unknown {
  const shape = jsonProblem(value, { shapeOnly: true });
  if (shape) return `[not copied: ${formatPath("", shape.path)} ${shape.reason}]`;
  try {
    return JSON.parse(JSON.stringify(value) ?? "null");
  } catch (error) {
    return `[not copied: ${describeThrown(error)}]`;
  }
}
