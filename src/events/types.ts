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
   * Called in a step's `return` for an event not in the step's `emits`, it is a type error at this
   * call that names the event and the `emits` (`TExpected`, inferred from what the return expects,
   * is how the factory knows).
   */
  <TExpected = unknown>(
    ...fields: [EmitsLacking<TType, TExpected>] extends [never]
      ? {} extends z.input<TSchema>
        ? [fields?: z.input<TSchema>]
        : [fields: z.input<TSchema>]
      : [fields: NotInEmits<TType, EmitsLacking<TType, TExpected>>]
  ): [EmitsLacking<TType, TExpected>] extends [never] ? Simplify<{ type: TType } & z.output<TSchema>> : TExpected;
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

declare const emitsMarker: unique symbol;

/**
 * Part of the type a step's return value expects (no value has it): it carries the types of the
 * step's `emits` to the event factories. See {@link NotInEmits}.
 */
export interface StepEmits<TTypes extends string> {
  readonly [emitsMarker]: TTypes;
}

/**
 * The event types a step emits, where `TExpected` is what a step's return expects and they lack
 * `TType`; otherwise (not a step's return, or a declared type) `never`.
 */
type EmitsLacking<TType extends string, TExpected> =
  TExpected extends StepEmits<infer T> ? (string extends TType ? never : [TType] extends [T] ? never : T) : never;

/**
 * The type error of an event a step returns or sends without declaring it in `emits`.
 *
 * @example
 * ```ts
 * workflow({ name: "rag", start: QueryStart }).step("retrieve", { accepts: QueryStart, emits: [Retrieved] }, async (ctx, ev) => {
 *   // @ts-expect-error Argument of type '{ type: "Scored"; score: number; }' is not assignable to
 *   // parameter of type '"Event Scored is not in this step's emits: Retrieved"'.
 *   ctx.sendEvent(Scored({ score: 1 }));
 *   return Retrieved({ query: ev.query, passages: [] });
 * });
 * ```
 */
export type NotInEmits<
  TType extends string,
  TEmits extends string,
> = `Event ${TType} is not in this step's emits: ${Join<TEmits>}`;

/** The member of a union the compiler lists last (a function-intersection inference trick). */
type LastOf<U> = (U extends unknown ? (x: () => U) => void : never) extends (x: infer L) => void
  ? L extends () => infer R
    ? R
    : never
  : never;

/** A union of strings written out as `"A | B"`, for messages. Only evaluated when an error is shown. */
type Join<U extends string, Last extends string = LastOf<U> & string> = [U] extends [never]
  ? ""
  : [Exclude<U, Last>] extends [never]
    ? Last
    : `${Join<Exclude<U, Last>>} | ${Last}`;
