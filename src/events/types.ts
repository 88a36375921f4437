import type { z } from "zod/v4";

/** Flattens an intersection into one object type, so hovers and errors stay readable. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** Any zod object schema usable as an event's fields. */
export type FieldsSchema = z.ZodObject<z.core.$ZodShape, z.core.$ZodObjectConfig>;

/**
 * An event: a plain JSON object whose `type` names its definition.
 *
 * @example
 * ```ts
 * for await (const ev of handler.streamEvents()) {
 *   const item: AnyEvent = ev; // { type, ...fields }
 *   console.log(item.type, JSON.stringify(item));
 * }
 * ```
 */
export interface AnyEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * A defined event type: call it to build a validated event, test values with `is`, validate
 * foreign objects with `parse`.
 *
 * @example
 * ```ts
 * const Query = defineEvent("Query", { q: z.string() });
 * const ev = Query({ q: "cats" }); // { type: "Query", q: "cats" }
 * Query.is(ev); // true
 * ```
 */
export interface EventDef<TType extends string = string, TSchema extends FieldsSchema = FieldsSchema> {
  /**
   * Builds the event, validating `fields`; throws `EventValidationError` on a bad payload, including
   * one that is not JSON (a `Date`, a cycle) or nests deeper than `MAX_JSON_DEPTH` (1000) levels.
   */
  (
    ...fields: {} extends z.input<TSchema> ? [fields?: z.input<TSchema>] : [fields: z.input<TSchema>]
  ): Simplify<{ type: TType } & z.output<TSchema>>;
  /** The event's `type` string. */
  readonly type: TType;
  /** The zod object describing the fields (without `type`). */
  readonly schema: TSchema;
  /** Type guard by `type` (does not validate the fields). */
  is(value: unknown): value is Simplify<{ type: TType } & z.output<TSchema>>;
  /** Validates a whole event object (`type` included); throws `EventValidationError`. */
  parse(value: unknown): Simplify<{ type: TType } & z.output<TSchema>>;
}

/**
 * Any event definition, whatever its type and fields.
 *
 * @example
 * ```ts
 * const accepted: AnyEventDef[] = [Query, HumanResponseEvent];
 * accepted.map((def) => def.type); // ["Query", "HumanResponseEvent"]
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: the erased form must accept every schema
export type AnyEventDef = EventDef<string, any>;

/**
 * The event object type produced by an event definition.
 *
 * @example
 * ```ts
 * const Query = defineEvent("Query", { q: z.string() });
 * type Query = EventOf<typeof Query>; // { type: "Query"; q: string }
 * ```
 */
export type EventOf<TDef> =
  TDef extends EventDef<infer TType, infer TSchema> ? Simplify<{ type: TType } & z.output<TSchema>> : never;

/**
 * The union of event objects of a definition or a list of definitions.
 *
 * @example
 * ```ts
 * type Either = EventsOf<[typeof A, typeof B]>; // EventOf<typeof A> | EventOf<typeof B>
 * ```
 */
export type EventsOf<TDefs> = TDefs extends readonly (infer D)[] ? EventOf<D> : EventOf<TDefs>;

/**
 * The fields a definition's factory takes (the zod input type).
 *
 * @example
 * ```ts
 * const Query = defineEvent("Query", { q: z.string(), limit: z.number().default(10) });
 * type QueryFields = FieldsOf<typeof Query>; // { q: string; limit?: number }
 * ```
 */
export type FieldsOf<TDef> = TDef extends EventDef<string, infer TSchema> ? z.input<TSchema> : never;
