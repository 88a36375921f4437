import { z } from "zod/v4";
import { EventValidationError, type ValidationIssue, WorkflowValidationError } from "../errors.js";
import { issuePath, jsonProblem } from "../internal/json.js";
import type { AnyEvent, AnyEventDef, EventDef, FieldsSchema } from "./types.js";
import { fieldsProblems, isZod4Schema } from "./zod-schema.js";

/**
 * Events built by a factory (and so already validated), with the definition that built them. The
 * compiler checks this before re-validating an event a step returns, which keeps validation off
 * the hot path; an event built by another definition of the same type (the built-in `StopEvent`
 * where the workflow's stop is a typed `stopEvent(schema)`) is validated again.
 */
const trusted = new WeakMap<object, AnyEventDef | typeof ANY_DEF>();
const ANY_DEF = Symbol("any definition");

/**
 * @internal True when `event` was built by an event factory and not changed since: by `def` when
 * one is given (or marked trusted for any definition).
 */
export function isTrusted(event: object, def?: AnyEventDef): boolean {
  const by = trusted.get(event);
  return by !== undefined && (def === undefined || by === ANY_DEF || by === def);
}

/** @internal Marks an event as validated (used after `parse`), by `def` or for any definition. */
export function trust<T extends object>(event: T, def?: AnyEventDef): T {
  trusted.set(event, def ?? ANY_DEF);
  return event;
}

/** @internal A shallow copy of an event that keeps its trust (a validated event stays validated). */
export function copyTrusted<T extends object>(event: T): T {
  const copy = { ...event };
  const by = trusted.get(event);
  if (by !== undefined) trusted.set(copy, by);
  return copy;
}

/** Names a user may not give an event: the built-ins and the runtime's stream items. */
export const reservedEventNames: ReadonlySet<string> = new Set([
  "StartEvent",
  "StopEvent",
  "InputRequiredEvent",
  "HumanResponseEvent",
  "WorkflowTimedOutEvent",
  "WorkflowCancelledEvent",
  "WorkflowFailedEvent",
  "EventRejectedEvent",
  "StepStartedEvent",
  "StepFinishedEvent",
]);

/** @internal Converts zod issues into `{ path, message }` records. */
export function issuesOf(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }));
}

type ShapeOrSchema = z.core.$ZodLooseShape | FieldsSchema;
type SchemaOf<T extends ShapeOrSchema> = T extends FieldsSchema
  ? T
  : T extends z.core.$ZodLooseShape
    ? z.ZodObject<{ -readonly [K in keyof T]: T[K] }, z.core.$strip>
    : never;

/** @internal Builds an event definition without the name checks (for the built-ins). */
export function createEventDef<TType extends string, TSchema extends FieldsSchema>(
  type: TType,
  schema: TSchema,
): EventDef<TType, TSchema> {
  let recursive: boolean | undefined;
  const build = (fields?: unknown) => {
    const input = fields ?? {};
    // Deep or cyclic fields would overflow the stack in a recursive schema: refuse them first.
    recursive ??= canRecurse(schema);
    const shape = recursive ? jsonProblem(input, { shapeOnly: true }) : null;
    if (shape) throw new EventValidationError(type, [{ path: issuePath(shape.path), message: shape.reason }]);
    const result = schema.safeParse(input);
    if (!result.success) throw new EventValidationError(type, issuesOf(result.error));
    // Loose and `z.unknown()` fields take anything: an event must stay JSON to be streamed and saved.
    const problem = jsonProblem(result.data, { allowUndefinedProperties: true });
    if (problem) throw new EventValidationError(type, [{ path: issuePath(problem.path), message: problem.reason }]);
    const event: Record<string, unknown> = { type, ...(result.data as object) };
    event.type = type;
    trusted.set(event, def as unknown as AnyEventDef);
    return event;
  };
  const def = Object.assign(build, {
    type,
    schema,
    is: (value: unknown) => typeof value === "object" && value !== null && (value as { type?: unknown }).type === type,
    parse: (value: unknown) => {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new EventValidationError(type, [{ path: "", message: "expected an event object" }]);
      }
      const { type: actual, ...fields } = value as AnyEvent;
      if (actual !== type) {
        throw new EventValidationError(type, [
          { path: "type", message: `expected "${type}", got ${JSON.stringify(actual)}` },
        ]);
      }
      return build(fields);
    },
  });
  Object.defineProperty(def, "name", { value: type });
  return def as unknown as EventDef<TType, TSchema>;
}

/**
 * @internal Whether zod may recurse into a value as deep as the value itself: the schema holds a
 * `z.lazy`, or contains itself (an object schema with a getter). Any other schema stops at its
 * own depth, whatever it is given. Walked with an explicit stack: a schema can be deep too.
 */
export function canRecurse(root: z.ZodType): boolean {
  const open = new Set<object>();
  const done = new Set<object>();
  const stack: { node: object; children: unknown[]; next: number }[] = [];
  const enter = (node: object): boolean => {
    const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
    if (def?.type === "lazy") return true;
    open.add(node);
    try {
      stack.push({ node, children: def ? Object.values(def) : [], next: 0 });
    } catch {
      return true; // a getter that throws: assume the worst
    }
    return false;
  };
  if (enter(root)) return true;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as (typeof stack)[number];
    if (top.next >= top.children.length) {
      stack.pop();
      open.delete(top.node);
      done.add(top.node);
      continue;
    }
    const child = top.children[top.next++];
    if (typeof child !== "object" || child === null || done.has(child)) continue;
    if (open.has(child)) return true;
    if (isZod4Schema(child)) {
      if (enter(child)) return true;
    } else if (Array.isArray(child) || Object.getPrototypeOf(child) === Object.prototype) {
      // a shape or a list of options: its schemas are children of the schema that holds it
      try {
        for (const item of Object.values(child)) top.children.push(item);
      } catch {
        return true;
      }
    }
  }
  return false;
}

/**
 * Defines an event type from a zod shape or a zod object. The result is a factory that validates
 * its fields, plus `type`, `schema`, `is` and `parse`.
 *
 * Throws `WorkflowValidationError` for a field named `type`, a name starting with `stepchart.`,
 * a built-in name (use `startEvent`/`stopEvent` or the built-in events instead), or fields that
 * are not zod 4 schemas (for zod 3's: import from `"zod/v4"` on zod 3.25+, or upgrade to zod 4).
 * The factory throws `EventValidationError` for fields its schema refuses, and for fields that are
 * not JSON or nest deeper than `MAX_JSON_DEPTH` (1000) levels: events are streamed and saved as JSON.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineEvent, type EventOf } from "stepchart";
 *
 * export const RetrieveEvent = defineEvent("RetrieveEvent", {
 *   query: z.string(),
 *   nodes: z.array(z.object({ text: z.string(), score: z.number() })),
 * });
 * export type RetrieveEvent = EventOf<typeof RetrieveEvent>;
 *
 * const ev = RetrieveEvent({ query: "q", nodes: [] }); // { type: "RetrieveEvent", query: "q", nodes: [] }
 * ```
 */
export function defineEvent<const TType extends string, const TFields extends ShapeOrSchema>(
  type: TType,
  fields: TFields,
): EventDef<TType, SchemaOf<TFields>> {
  const problems: string[] = [];
  if (typeof type !== "string" || type.length === 0) problems.push("an event name must be a non-empty string");
  else if (type.startsWith("stepchart.") || type.startsWith("xstate."))
    problems.push(`event name "${type}" uses a reserved prefix ("stepchart." and "xstate." belong to the runtime)`);
  else if (reservedEventNames.has(type))
    problems.push(`event name "${type}" is built in: use the built-in event, or startEvent()/stopEvent()`);
  const schemaProblems = fieldsProblems(fields);
  problems.push(...schemaProblems);
  const schema = schemaProblems.length === 0 ? eventSchema(fields) : undefined;
  if (schema && "type" in schema.shape)
    problems.push(`event "${type}" declares a field named "type", which is reserved`);
  if (problems.length > 0 || !schema)
    throw new WorkflowValidationError(problems, `Cannot define event "${String(type)}"`);
  return createEventDef(type, schema) as unknown as EventDef<TType, SchemaOf<TFields>>;
}

/** @internal The object schema of an event's fields, given as a shape or as a `z.object`. */
export function eventSchema(fields: z.core.$ZodLooseShape | FieldsSchema): FieldsSchema {
  // $ZodObject, not ZodObject: a zod/mini object is no classic ZodObject, and is no shape either.
  return (fields instanceof z.core.$ZodObject ? fields : z.object(fields as z.core.$ZodLooseShape)) as FieldsSchema;
}
