import type { ErrorInfo } from "../errors.js";
import { copyTrusted } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";

/** Collect expectation: counts per type in first-listed order; `order` is the list form's order. */
export interface CollectSpec {
  readonly counts: readonly (readonly [type: string, count: number])[];
  readonly order: readonly string[] | null;
}

/**
 * The runtime's own machine events. All carry the reserved `stepchart.` prefix, so they never
 * collide with workflow event types; all are spelled here and nowhere else.
 */
export const internal = {
  /** machine → step actor: a waiter of invocation `id` matched `event`. */
  resolve: "stepchart.resolve",
  /** step actor → machine: the invocation returned `output` (the done event carries it). */
  done: "stepchart.done",
  /** step actor → machine: the invocation failed and its retry policy gave up. */
  failed: "stepchart.failed",
  /** step actor → machine: an attempt failed; the next one starts after `delay` ms. */
  retry: "stepchart.retry",
  /** step actor → machine: the next attempt starts now. */
  attempt: "stepchart.attempt",
  set: "stepchart.set",
  send: "stepchart.send",
  /** step actor → machine: several `sendEvent`s of one invocation in a row, as one event. */
  sendMany: "stepchart.sendMany",
  stream: "stepchart.stream",
  /** step actor → machine: a stream item that is not an op (token deltas: a re-run does not replay them). */
  publish: "stepchart.publish",
  /** step actor → machine: `ctx.run(name)` finished with `result` (journaled). */
  ran: "stepchart.ran",
  collect: "stepchart.collect",
  wait: "stepchart.wait",
  unwait: "stepchart.unwait",
  /** step actor → machine: a re-run step is waiting again on waiter `op` (its predicate is back). */
  resumeWait: "stepchart.resumeWait",
  /** anyone → machine: cancel the run. */
  cancel: "stepchart.cancel",
  /** the run timer → machine: the run deadline passed. */
  timeout: "stepchart.timeout",
  /**
   * runtime → machine, once after a snapshot is restored: start again every invocation that was in
   * flight (or fail the run for an `onRestore: "fail"` step) and re-arm the run timer.
   */
  restore: "stepchart.restore",
  /** machine → itself: is the run stalled? */
  check: "stepchart.check",
  /** machine → itself: end the actor with the outcome's error (after children were stopped). */
  raise: "stepchart.raise",
} as const;

/**
 * The seal: a property keyed by a symbol no other module can reach, and not enumerable, so JSON,
 * `structuredClone` and object spread all drop it. (A `WeakSet` of messages did the same at a
 * measurable cost per message, in `add` and in garbage collection.)
 */
const SEAL: unique symbol = Symbol("stepchart.seal");

/**
 * Marks a message as the runtime's own. Only sealed `stepchart.*` messages are applied: nothing
 * outside this module can seal, so a raw `actor.send({ type: "stepchart.done", ... })` from an app
 * (or a copy of an observed message) is rejected, never applied.
 */
export function seal<T extends object>(message: T): T {
  Object.defineProperty(message, SEAL, { value: true });
  return message;
}

/** Whether a machine event is a message the runtime itself made (see {@link seal}). */
export function isSealed(message: unknown): boolean {
  const mark = typeof message === "object" && message !== null ? (message as { [SEAL]?: unknown })[SEAL] : undefined;
  return mark !== undefined;
}

const PREDICATE: unique symbol = Symbol("stepchart.predicate");

/** A `waitForEvent` predicate: a function, so it rides beside JSON, never in it. */
export type WaitPredicate = (event: unknown) => boolean;

/**
 * Attaches a waiter's predicate to a `wait` message or a waiter, under a non-enumerable symbol: it
 * goes with the object in this process, and JSON, `structuredClone`, spreads and snapshots drop
 * it (a restored run's step hands its predicate back with `resumeWait`).
 */
export function withPredicate<T extends object>(target: T, predicate: WaitPredicate | undefined): T {
  if (predicate) Object.defineProperty(target, PREDICATE, { value: predicate, configurable: true });
  return target;
}

/** The predicate attached to a message or waiter, if any (see {@link withPredicate}). */
export function predicateOf(target: object): WaitPredicate | undefined {
  return (target as { [PREDICATE]?: WaitPredicate })[PREDICATE];
}

/**
 * Where a workflow event a step produced comes from, and what it is to the run: the event a step
 * returned, one it sent (op `op`, to `step` only when targeted), or the prompt of a `waitForEvent`.
 * In the statechart shape these events are machine events of their own type; the origin rides on
 * the seal, so inspectors and snapshots see the plain event and nobody outside can forge one.
 */
export type EventOrigin =
  | { readonly kind: "return"; readonly id: number }
  | { readonly kind: "send"; readonly id: number; readonly op: number; readonly step?: string }
  | {
      readonly kind: "prompt";
      readonly id: number;
      readonly op: number;
      readonly eventType: string;
      readonly match?: Record<string, unknown>;
      readonly predicate: boolean;
    };

/** Seals a workflow event a step produced, with its origin (see {@link EventOrigin}). */
export function sealWithOrigin<T extends object>(event: T, origin: EventOrigin): T {
  Object.defineProperty(event, SEAL, { value: origin, configurable: true });
  return event;
}

/**
 * Takes the seal off an event once the machine applied it: an origin is good for one delivery, so
 * the same object sent again (an inspector saw it) is an event from outside, checked as one.
 */
export function unseal(event: object): void {
  delete (event as { [SEAL]?: unknown })[SEAL];
}

/** The origin of a sealed workflow event from a step; undefined for anything else. */
export function originOf(event: unknown): EventOrigin | undefined {
  const mark = typeof event === "object" && event !== null ? (event as { [SEAL]?: unknown })[SEAL] : undefined;
  return typeof mark === "object" ? (mark as EventOrigin) : undefined;
}

/**
 * The step message an event from a step stands for: the kernel applies a returned event as the
 * end of its invocation, a sent one as a `send` op, a prompt as a `wait` op.
 */
export function messageOf(event: AnyEvent, origin: EventOrigin): FromStepMsg {
  switch (origin.kind) {
    // The run routes, keeps and publishes a copy: the relayed object carries the seal, which must
    // not reach a step's `ev`, the stream or context (whoever holds it could send it back).
    case "return":
      return { type: internal.done, id: origin.id, output: copyTrusted(event) };
    case "send":
      return origin.step === undefined
        ? { type: internal.send, id: origin.id, op: origin.op, event: copyTrusted(event) }
        : { type: internal.send, id: origin.id, op: origin.op, event: copyTrusted(event), step: origin.step };
    case "prompt":
      return withPredicate(
        {
          type: internal.wait,
          id: origin.id,
          op: origin.op,
          eventType: origin.eventType,
          predicate: origin.predicate,
          ...(origin.match ? { match: origin.match } : {}),
          prompt: copyTrusted(event),
        },
        predicateOf(origin),
      );
  }
}

export interface ResolveMsg {
  readonly type: typeof internal.resolve;
  readonly id: number;
  readonly op: number;
  readonly event: AnyEvent;
}
export type ToStepMsg = ResolveMsg;

/**
 * Step → machine messages. `inline` is set on those an inline-hosted invocation sends (see
 * hosting.ts): guards cannot see the actor, and only those may take the machine's short path.
 */
export type FromStepMsg = FromStepOp & { inline?: true };

type FromStepOp =
  /** The run deadline passed at a step boundary (the run timer may not have fired yet). */
  | { readonly type: typeof internal.timeout; readonly id: number }
  | { readonly type: typeof internal.done; readonly id: number; readonly output: AnyEvent | null }
  | { readonly type: typeof internal.failed; readonly id: number; readonly error: unknown; readonly attempts: number }
  | { readonly type: typeof internal.retry; readonly id: number; readonly error: ErrorInfo; readonly delay: number }
  | { readonly type: typeof internal.attempt; readonly id: number }
  | {
      readonly type: typeof internal.set;
      readonly id: number;
      readonly op: number;
      readonly key: string;
      readonly value: unknown;
    }
  | {
      readonly type: typeof internal.send;
      readonly id: number;
      readonly op: number;
      readonly event: AnyEvent;
      readonly step?: string;
    }
  | {
      readonly type: typeof internal.sendMany;
      readonly id: number;
      /** Consecutive ops, numbered from `op`. */
      readonly op: number;
      readonly sends: readonly { readonly event: AnyEvent; readonly step?: string }[];
    }
  | { readonly type: typeof internal.stream; readonly id: number; readonly op: number; readonly event: AnyEvent }
  | { readonly type: typeof internal.publish; readonly id: number; readonly event: AnyEvent }
  | {
      readonly type: typeof internal.ran;
      readonly id: number;
      readonly op: number;
      readonly name: string;
      readonly result: unknown;
    }
  | {
      readonly type: typeof internal.collect;
      readonly id: number;
      readonly op: number;
      readonly event: AnyEvent;
      readonly spec: CollectSpec;
    }
  | {
      readonly type: typeof internal.wait;
      readonly id: number;
      readonly op: number;
      readonly eventType: string;
      readonly match?: Record<string, unknown>;
      readonly predicate: boolean;
      readonly prompt?: AnyEvent;
    }
  | { readonly type: typeof internal.unwait; readonly id: number; readonly op: number }
  | { readonly type: typeof internal.resumeWait; readonly id: number; readonly op: number };
