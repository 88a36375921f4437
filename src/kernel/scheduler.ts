import type { AnyEvent } from "../events/types.js";
import {
  EMPTY_RECORD,
  type Invocation,
  invocationOf,
  type PendingInput,
  type RunContext,
  type StepSlots,
  type Waiter,
  waiterKey,
} from "./context.js";
import { append, drop, emptyFifo, type Fifo, fifoSize, peek } from "./fifo.js";
import { type CollectSpec, predicateOf, type WaitPredicate, withPredicate } from "./protocol.js";

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

/**
 * Routes an event: resolves matching waiters, records prompts, and delivers to every acceptor.
 * Returns whether anything took it (a waiter, a prompt it answered, or a step).
 */
export function routeEvent(
  d: Draft,
  event: AnyEvent,
  topology: Topology,
  matches: WaiterMatch,
  onlyStep?: string,
  from?: number,
): boolean {
  d.noteEvent(event.type);
  let resolvedPrompt = false;
  let parked = false;
  const waiters = d.current("waiters");
  let matched: Waiter[] | undefined;
  for (const w of waiters) {
    if (w.eventType !== event.type) continue;
    const verdict = matches(w, waiterKey(w.id, w.op), event);
    if (verdict === "unknown") {
      park(d, w, event);
      parked = true;
    } else if (verdict) {
      matched ??= [];
      matched.push(w);
    }
  }
  for (const waiter of matched ?? []) {
    resolvedPrompt = removeWaiter(d, waiter.id, waiter.op) || resolvedPrompt;
    const inv = d.invocation(waiter.id);
    if (!inv) continue;
    d.putInvocation({ ...inv, journal: { ...inv.journal, [waiter.op]: event } });
    d.effects.push({ kind: "resolve", step: inv.step, id: waiter.id, op: waiter.op, event });
  }
  if (event.type === "InputRequiredEvent") {
    d.pending.push({ event });
    d.effects.push(from === undefined ? { kind: "publish", event } : { kind: "publish", event, from });
  } else if (event.type === "HumanResponseEvent" && !resolvedPrompt) {
    // A response that answered no waiter answers the oldest prompt a step returned.
    const i = d.current("pending").findIndex((p) => p.waiter === undefined);
    if (i >= 0) {
      d.pending.splice(i, 1);
      resolvedPrompt = true;
    }
  }
  const targets = onlyStep ? [onlyStep] : topology.acceptors(event.type);
  for (const step of targets) deliver(d, step, event, topology);
  return matched !== undefined || parked || resolvedPrompt || targets.length > 0 || event.type === "InputRequiredEvent";
}

/** Holds an event from outside that no waiter took yet, for the next waiter it matches. */
export function hold(d: Draft, event: AnyEvent): void {
  d.held.push(event);
}

/**
 * Decides whether a waiter takes an event; `"unknown"` when its predicate is not in this process
 * yet (a restored run whose step has not reached its `waitForEvent` again).
 */
export type WaiterMatch = (waiter: Waiter, key: string, event: AnyEvent) => boolean | "unknown";

function park(d: Draft, waiter: Waiter, event: AnyEvent): void {
  const i = d.current("waiters").indexOf(waiter);
  if (i >= 0)
    d.waiters[i] = withPredicate({ ...waiter, parked: [...(waiter.parked ?? []), event] }, predicateOf(waiter));
}

/**
 * The step re-registered waiter `op` (its predicate is back): the first parked event it takes
 * resolves it, as if it had just arrived.
 */
export function unpark(d: Draft, id: number, op: number, matches: WaiterMatch, predicate?: WaitPredicate): void {
  const i = d.current("waiters").findIndex((w) => w.id === id && w.op === op);
  const waiter = d.current("waiters")[i];
  if (!waiter) return;
  const { parked: events, ...rest } = waiter;
  withPredicate(rest, predicate ?? predicateOf(waiter));
  d.waiters[i] = rest;
  if (!events) return;
  const taken = events.find((event) => matches(rest, waiterKey(id, op), event) === true);
  if (!taken) return;
  removeWaiter(d, id, op);
  const inv = d.invocation(id);
  if (!inv) return;
  d.putInvocation({ ...inv, journal: { ...inv.journal, [op]: taken } });
  d.effects.push({ kind: "resolve", step: inv.step, id, op, event: taken });
}

/** Starts an invocation of `step` on `event`, or queues the event when all workers are busy. */
export function deliver(d: Draft, step: string, event: AnyEvent, topology: Topology): void {
  const slots = d.current("slots")[step] ?? { active: 0, queue: emptyFifo() };
  if (slots.active < topology.workers(step)) {
    d.slots[step] = { active: slots.active + 1, queue: slots.queue };
    start(d, step, event);
  } else {
    d.slots[step] = { active: slots.active, queue: append(slots.queue, { event }) };
  }
}

function start(d: Draft, step: string, event: AnyEvent): void {
  const id = d.nextId();
  d.inflight.push({ id, step, event, attempt: 1, ops: 0, journal: EMPTY_RECORD });
  d.effects.push({ kind: "invoke", step, id });
  if (d.tracing)
    d.effects.push({ kind: "trace", event: { type: "StepStartedEvent", step, invocation: id, event: event.type } });
}

/** Ends an invocation: frees its worker and starts the next queued event of that step. */
export function finish(d: Draft, id: number): Invocation | undefined {
  const inv = d.invocation(id);
  if (!inv) return undefined;
  d.inflight.splice(d.inflight.indexOf(inv), 1);
  d.effects.push({ kind: "end", step: inv.step, id });
  for (const w of d.current("waiters").filter((w) => w.id === id)) removeWaiter(d, w.id, w.op);
  const slots = d.current("slots")[inv.step] as StepSlots;
  const next = peek(slots.queue);
  if (next) {
    d.slots[inv.step] = { active: slots.active, queue: drop(slots.queue) };
    start(d, inv.step, next.event);
  } else if (slots.active > 1) {
    d.slots[inv.step] = { active: slots.active - 1, queue: slots.queue };
  } else {
    // An idle step keeps no entry: a long run with many steps stays small.
    delete d.slots[inv.step];
  }
  return inv;
}

/**
 * Records op `op` of an invocation (ops are numbered by the step as they start) and journals its
 * result when it has one. `ops` becomes one past the highest op recorded, so a re-run skips every
 * op below it; a number with no journal entry below it is an op that never finished (a `ctx.run`).
 */
export function recordOp(d: Draft, id: number, op: number, result?: unknown): number {
  const inv = d.invocation(id);
  if (!inv) return -1;
  d.putInvocation({
    ...inv,
    ops: Math.max(inv.ops, op + 1),
    journal: result === undefined ? inv.journal : { ...inv.journal, [op]: result },
  });
  return op;
}

/**
 * Fan-in: buffers `event` in the step's buffer and, when every expected event is there, takes
 * exactly those (oldest first per type) and returns them in the expected order. Extras stay.
 */
export function collect(d: Draft, step: string, event: AnyEvent, spec: CollectSpec): AnyEvent[] | null {
  const buffer = { ...(d.buffers[step] ?? {}) };
  buffer[event.type] = append(buffer[event.type] ?? emptyFifo(), event);
  d.buffers[step] = buffer;
  for (const [type, count] of spec.counts) if (fifoSize(buffer[type] ?? emptyFifo()) < count) return null;
  const taken = new Map<string, AnyEvent[]>();
  for (const [type, count] of spec.counts) {
    const log = buffer[type] as Fifo<AnyEvent>;
    taken.set(type, log.items.slice(log.head, log.head + count) as AnyEvent[]);
    const rest = drop(log, count);
    if (fifoSize(rest) === 0) delete buffer[type];
    else buffer[type] = rest;
  }
  if (spec.order === null) return spec.counts.flatMap(([type]) => taken.get(type) ?? []);
  const cursor = new Map<string, number>();
  return spec.order.map((type) => {
    const i = cursor.get(type) ?? 0;
    cursor.set(type, i + 1);
    return (taken.get(type) as AnyEvent[])[i] as AnyEvent;
  });
}

/**
 * Registers a waiter and publishes its prompt. An event held for it (it came before the step
 * asked) resolves it at once; its prompt is still published, but is not pending.
 */
export function addWaiter(d: Draft, waiter: Waiter, prompt: AnyEvent | undefined, matches: WaiterMatch): void {
  const key = waiterKey(waiter.id, waiter.op);
  const held = d.current("held");
  const at =
    held.length === 0 ? -1 : held.findIndex((e) => e.type === waiter.eventType && matches(waiter, key, e) === true);
  if (prompt) d.effects.push({ kind: "publish", event: prompt, from: waiter.id });
  if (at >= 0) {
    const event = d.held.splice(at, 1)[0] as AnyEvent;
    const inv = d.invocation(waiter.id);
    if (!inv) return;
    d.putInvocation({ ...inv, journal: { ...inv.journal, [waiter.op]: event } });
    d.effects.push({ kind: "resolve", step: inv.step, id: waiter.id, op: waiter.op, event });
    return;
  }
  d.waiters.push(waiter);
  if (prompt?.type === "InputRequiredEvent") d.pending.push({ event: prompt, waiter: key });
}

/** Removes a waiter (and its prompt); true when a prompt was pending for it. */
export function removeWaiter(d: Draft, id: number, op: number): boolean {
  const at = d.current("waiters").findIndex((w) => w.id === id && w.op === op);
  if (at < 0) return false;
  d.waiters.splice(at, 1);
  const key = waiterKey(id, op);
  const i = d.current("pending").findIndex((p) => p.waiter === key);
  if (i < 0) return false;
  d.pending.splice(i, 1);
  return true;
}

/** Nothing running, queued, awaited or pending: the run cannot make progress. */
export function isStalled(ctx: RunContext): boolean {
  if (ctx.pending.length > 0) return false;
  if (ctx.inflight.length > 0 || ctx.waiters.length > 0) return false;
  for (const step in ctx.slots)
    if ((ctx.slots[step] as StepSlots).active > 0 || fifoSize((ctx.slots[step] as StepSlots).queue) > 0) return false;
  return true;
}

/** Names of the steps with an invocation in flight, sorted. */
export function activeSteps(ctx: RunContext): string[] {
  return [...new Set(ctx.inflight.map((inv) => inv.step))].sort();
}
