import type { ErrorInfo } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { Fifo } from "./fifo.js";

/** One event waiting for a free worker of a step. */
export interface QueuedEvent {
  readonly event: AnyEvent;
}

/** Per-step scheduling: running invocations and the FIFO of events waiting for a worker. */
export interface StepSlots {
  readonly active: number;
  readonly queue: Fifo<QueuedEvent>;
}

/**
 * One step invocation in flight. `ops` counts the mutating ctx operations it has made and
 * `journal` keeps the results of those that return something (collect, wait), so a re-run
 * (retry or restore) replays them instead of repeating them.
 */
export interface Invocation {
  readonly id: number;
  readonly step: string;
  readonly event: AnyEvent;
  readonly attempt: number;
  readonly ops: number;
  readonly journal: Readonly<Record<number, unknown>>;
  readonly lastError?: ErrorInfo;
  /** Absolute ms time of the next attempt while a retry delay runs. */
  readonly retryAt?: number;
}

/** A `ctx.waitForEvent` registration; `match` is the object form of `where`. */
export interface Waiter {
  readonly id: number;
  readonly op: number;
  readonly eventType: string;
  readonly match?: Readonly<Record<string, unknown>>;
  readonly predicate: boolean;
  /**
   * Events of the awaited type that arrived while the predicate could not be asked: after a
   * restore, until the re-run step reaches its `waitForEvent` again and hands the function back.
   */
  readonly parked?: readonly AnyEvent[];
}

/** A prompt shown to a person, and the waiter it belongs to when it came from `waitForEvent`. */
export interface PendingInput {
  readonly event: AnyEvent;
  readonly waiter?: string;
}

/** How the run ended, kept in context so a finished snapshot says why. */
export type Outcome =
  | { readonly status: "completed"; readonly stop: AnyEvent }
  | {
      readonly status: "failed";
      /** `null` when the run stalled. */
      readonly step: string | null;
      readonly attempts: number;
      readonly error: ErrorInfo;
      readonly lastEvents?: readonly string[];
    }
  | {
      readonly status: "timedOut";
      readonly timeout: number;
      readonly activeSteps: readonly string[];
      readonly pendingInput?: readonly string[];
    }
  | { readonly status: "cancelled" };

/** The run timer: an absolute deadline while armed, the remaining ms while paused for input. */
export interface Clock {
  readonly deadline: number | null;
  readonly remaining: number | null;
}

/**
 * The machine's whole context. Top-level keys are few on purpose: XState copies them on every
 * `assign`, so each concern is one branch that is copied only when it changes.
 *
 * @example
 * ```ts
 * const actor = createActor(approval.toMachine(), { input: { topic: "tea" } }).start();
 * const { context } = await waitFor(actor, (s) => (s.context as RunContext).pending.length > 0);
 * const { pending, outcome }: RunContext = context; // one prompt; outcome null until the run ends
 * ```
 */
export interface RunContext {
  readonly runId: string;
  readonly start: AnyEvent;
  readonly state: Readonly<Record<string, unknown>>;
  readonly slots: Readonly<Record<string, StepSlots>>;
  /**
   * Invocations and waiters are lists, not objects keyed by id: each transition copies what it
   * changes, and V8 copies a short array far faster than an object with ever-new keys.
   */
  readonly inflight: readonly Invocation[];
  readonly buffers: Readonly<Record<string, Readonly<Record<string, Fifo<AnyEvent>>>>>;
  readonly waiters: readonly Waiter[];
  readonly pending: readonly PendingInput[];
  /**
   * Events from outside, of a type some step may wait for, that no waiter took yet (sent before
   * the step reached its `waitForEvent`): the next waiter they match takes them. Oldest first.
   */
  readonly held: readonly AnyEvent[];
  readonly clock: Clock;
  readonly seq: number;
  readonly recent: readonly string[];
  readonly outcome: Outcome | null;
}

/**
 * The empty record every run's branches start from, shared (and frozen): context is only ever
 * changed by copying a branch, so sharing it is safe, and each in-flight run holds a few fewer
 * objects.
 */
export const EMPTY_RECORD: Readonly<Record<string, never>> = Object.freeze({});

/** Invocation `id`, if it is in flight. */
export function invocationOf(inflight: readonly Invocation[], id: number): Invocation | undefined {
  for (const inv of inflight) if (inv.id === id) return inv;
  return undefined;
}

/** The key of a waiter: names its prompt in `pending` and its predicate in the run's table. */
export function waiterKey(id: number, op: number): string {
  return `${id}:${op}`;
}
