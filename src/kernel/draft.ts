import type { AnyEvent } from "../events/types.js";
import {
  type Invocation,
  invocationOf,
  type PendingInput,
  type RunContext,
  type StepSlots,
  type Waiter,
} from "./context.js";
import type { Fifo } from "./fifo.js";

export type { CollectSpec } from "./protocol.js";

/** What the machine must do after a context change; the scheduler itself never touches XState. */
export type Effect =
  | { readonly kind: "invoke"; readonly step: string; readonly id: number }
  /** Invocation `id` is over (its done event was handled); its host can let go of it. */
  | { readonly kind: "end"; readonly step: string; readonly id: number }
  | {
      readonly kind: "resolve";
      readonly step: string;
      readonly id: number;
      readonly op: number;
      readonly event: AnyEvent;
    }
  /** A stream item every consumer sees (writeEventToStream, prompts); `from`: the invocation that made it. */
  | { readonly kind: "publish"; readonly event: AnyEvent; readonly from?: number }
  /**
   * A trace item: step lifecycle and routed events (the `all` stream view), and events from
   * outside the run (`from` = {@link FROM_OUTSIDE}: traces only). `from`: the invocation that
   * returned or sent the event.
   */
  | { readonly kind: "trace"; readonly event: AnyEvent; readonly from?: number };

/** The `from` of an event that came from outside the run (the start event, `sendEvent`, a store inbox). */
export const FROM_OUTSIDE = -1;

/** Which steps take an event type, and how many workers each has. */
export interface Topology {
  acceptors(type: string): readonly string[];
  workers(step: string): number;
}

const RECENT = 5;

/**
 * A copy-on-write view of the context for one transition: each branch is copied the first time
 * it changes, and `patch()` returns only the changed branches for `assign`.
 */
export class Draft {
  readonly effects: Effect[] = [];
  #slots?: Record<string, StepSlots>;
  #inflight?: Invocation[];
  #buffers?: Record<string, Record<string, Fifo<AnyEvent>>>;
  #waiters?: Waiter[];
  #pending?: PendingInput[];
  #held?: AnyEvent[];
  #seq: number;
  #recent?: string[];
  #state?: Record<string, unknown>;

  /** Whether anyone observes the `all` view; trace effects are only built when true. */
  readonly tracing: boolean;

  constructor(
    readonly base: RunContext,
    tracing = false,
  ) {
    this.#seq = base.seq;
    this.tracing = tracing;
  }

  get slots(): Record<string, StepSlots> {
    this.#slots ??= { ...this.base.slots };
    return this.#slots;
  }
  get inflight(): Invocation[] {
    this.#inflight ??= this.base.inflight.slice();
    return this.#inflight;
  }
  get buffers(): Record<string, Record<string, Fifo<AnyEvent>>> {
    this.#buffers ??= { ...this.base.buffers };
    return this.#buffers;
  }
  get waiters(): Waiter[] {
    this.#waiters ??= this.base.waiters.slice();
    return this.#waiters;
  }
  get pending(): PendingInput[] {
    this.#pending ??= [...this.base.pending];
    return this.#pending;
  }
  get held(): AnyEvent[] {
    this.#held ??= [...this.base.held];
    return this.#held;
  }
  get state(): Record<string, unknown> {
    this.#state ??= { ...this.base.state };
    return this.#state;
  }
  /** Invocation `id` as this transition sees it. */
  invocation(id: number): Invocation | undefined {
    return invocationOf(this.#inflight ?? this.base.inflight, id);
  }
  /** Adds or replaces an invocation (matched by id). */
  putInvocation(inv: Invocation): void {
    const list = this.inflight;
    const i = list.findIndex((x) => x.id === inv.id);
    if (i >= 0) list[i] = inv;
    else list.push(inv);
  }
  nextId(): number {
    return this.#seq++;
  }
  noteEvent(type: string): void {
    const recent = this.#recent ?? this.base.recent.slice(-(RECENT - 1));
    if (this.#recent && recent.length >= RECENT) recent.shift();
    recent.push(type);
    this.#recent = recent;
  }
  /** Reads see this transition's writes. */
  current<K extends "inflight" | "waiters" | "pending" | "slots" | "held">(key: K): RunContext[K] {
    const own =
      key === "inflight"
        ? this.#inflight
        : key === "waiters"
          ? this.#waiters
          : key === "pending"
            ? this.#pending
            : key === "held"
              ? this.#held
              : this.#slots;
    return (own ?? this.base[key]) as RunContext[K];
  }

  patch(): Partial<RunContext> {
    const p: { -readonly [K in keyof RunContext]?: RunContext[K] } = {};
    if (this.#slots) p.slots = this.#slots;
    if (this.#inflight) p.inflight = this.#inflight;
    if (this.#buffers) p.buffers = this.#buffers;
    if (this.#waiters) p.waiters = this.#waiters;
    if (this.#pending) p.pending = this.#pending;
    if (this.#held) p.held = this.#held;
    if (this.#state) p.state = this.#state;
    if (this.#recent) p.recent = this.#recent;
    if (this.#seq !== this.base.seq) p.seq = this.#seq;
    return p;
  }
}
