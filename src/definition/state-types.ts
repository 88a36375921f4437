/**
 * The types of a workflow's state as its steps see it (`ctx.get/set/update`): typed by a `state`
 * schema, with the keys its defaults fill in, or a free JSON record without one.
 */
import type { z } from "zod/v4";
import type { FieldsSchema } from "../events/types.js";

/** Marks a workflow without a `state` schema: state is a free JSON record. */
export interface FreeState {
  readonly __free: true;
}

/**
 * `ctx.get/set/update`, typed by the workflow's `state` schema. `TDefaulted` are the keys whose
 * schema has a `.default()`: they hold a value from the start, so `update` never sees them missing.
 *
 * @example
 * ```ts
 * const Topic = startEvent({ query: z.string() });
 * const state = z.object({ topic: z.string().optional(), turns: z.number().default(0) });
 * workflow({ name: "chat", start: Topic, state }).step("turn", { accepts: Topic, emits: [StopEvent] }, async (ctx, ev) => {
 *   ctx.set("topic", ev.query); // a number here is a type error
 *   const turns = ctx.update("turns", (n) => n + 1); // n: number (a default)
 *   ctx.update("topic", (t) => `${t ?? ""}!`); // t: string | undefined
 *   return StopEvent({ result: `${ctx.get("topic")} (${turns})` });
 * });
 * ```
 */
export interface TypedStateAccess<TState, TDefaulted extends keyof TState = never> {
  /** The value of a state key; throws `StepStateError` when missing and no default is given. */
  get<K extends keyof TState & string>(key: K, defaultValue?: TState[K]): TState[K];
  /** Sets a key to a JSON value (validated by the state schema). */
  set<K extends keyof TState & string>(key: K, value: TState[K]): void;
  /**
   * Atomic read-modify-write; `fn` gets `undefined` for a missing key (never for a key with a
   * `.default()`). Returns the new value.
   */
  update<K extends keyof TState & string>(
    key: K,
    fn: (current: K extends TDefaulted ? TState[K] : TState[K] | undefined) => TState[K],
  ): TState[K];
}

/**
 * `ctx.get/set/update` of a workflow without a `state` schema.
 *
 * @example
 * ```ts
 * const seen = ctx.get("seen", 0); // 0 when the key is missing
 * ctx.set("seen", seen + 1);
 * ctx.update("log", (list: string[] = []) => [...list, "visited"]);
 * ```
 */
export interface FreeStateAccess {
  /** The value of a state key; throws `StepStateError` when missing and no default is given. */
  get<V = unknown>(key: string, defaultValue?: V): V;
  /** Sets a key to a JSON value. */
  set(key: string, value: unknown): void;
  /** Atomic read-modify-write; `fn` gets `undefined` for a missing key. Returns the new value. */
  update<V>(key: string, fn: (current: V | undefined) => V): V;
}

/** `ctx.get/set/update` of a workflow's `state` type (an access type already, or a values type). */
export type StateAccessOf<TState> = TState extends FreeState
  ? FreeStateAccess
  : TState extends TypedStateAccess<infer V, infer D>
    ? TypedStateAccess<V, D>
    : TypedStateAccess<TState>;

/**
 * The state a workflow's steps see, from its `state` option: its values and the keys that always
 * hold one, as the `ctx.get/set/update` they give (a type of the package's own exports, so that a
 * declaration file can name it).
 */
export type StateOf<TState> = TState extends FieldsSchema
  ? TypedStateAccess<z.output<TState>, DefaultedKeys<TState>>
  : FreeState;

/** The keys a state schema fills in when absent (`.default()`, `.prefault()`): optional in, required out. */
type DefaultedKeys<TState extends FieldsSchema> = {
  [K in keyof z.output<TState>]-?: {} extends Pick<z.output<TState>, K>
    ? never
    : K extends keyof z.input<TState>
      ? {} extends Pick<z.input<TState>, K>
        ? K
        : never
      : never;
}[keyof z.output<TState>];
