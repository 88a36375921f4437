import { StreamPositionError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { StreamMark } from "../persistence/snapshot.js";
import { type RecordedItem, RunRecord } from "./record.js";
import { type RetainOptions, retainedItems } from "./retention.js";
import { Window } from "./window.js";

/**
 * Options of `handler.streamEvents()`.
 *
 * @example
 * ```ts
 * // Everything, internal traffic included, resuming after the item at position 9.
 * for await (const ev of handler.streamEvents({ all: true, after: 9 })) console.log(ev.type);
 * ```
 */
export interface StreamOptions {
  /**
   * Yield only the items after this position (positions count from 0, per view, for the run's
   * whole life). A position the run no longer holds (see the `retain` run option) throws
   * `StreamPositionError`. Without it, a reader starts at the oldest item the run holds.
   */
  readonly after?: number;
  /** Add returned and sent events, step started/finished events and rejected events. */
  readonly all?: boolean;
  /**
   * Whether this reader holds the items it has not read yet (the default), so it sees every item
   * however slowly it reads. `pin: false`: the `retain` window applies to this reader too, and
   * once it falls behind, its next read throws `StreamPositionError`: what a server streaming to
   * a client it does not control wants (a stalled client must not hold the run's items). A reader
   * that waits for the next item (it keeps up) holds what comes meanwhile either way, so a burst
   * larger than the window does not lap it; one that stops asking does not.
   */
  readonly pin?: boolean;
}

/** How far back a resumed run puts a pending prompt where it was; one further back is published anew. */
const PLACED_PROMPTS_REACH = 10_000;

/** What a reader reads: the default view or the record (the `all` view). */
interface View {
  readonly start: number;
  readonly end: number;
  at(position: number): AnyEvent | undefined;
}

/** A reader's place in one view: the next position it reads. Held weakly by the stream. */
interface Cursor {
  next: number;
  readonly all: boolean;
  readonly pin: boolean;
  /** Waiting for the next item (it has read all there is): it pins what comes meanwhile, pinning or not. */
  parked: boolean;
  /** Started at the oldest item held (no `after`): a resume that comes later moves it to the new oldest. */
  readonly oldest: boolean;
}

/**
 * The run's stream, in two views: what every consumer sees (stream writes, prompts, the terminal
 * item) and the `all` view (that plus the run's internal traffic), which is also the run's trace
 * record: the RunRecord this extends.
 *
 * Each view keeps its most recent items (`retain.items`) and lets older ones go, so a long run
 * holds a bounded record; positions keep counting. A reader that is iterating holds the items it
 * has not read yet (it is never skipped ahead), so a consumer sees every item from where it
 * started; once it stops (or is garbage), the view shrinks back to the window.
 */
export class RunStream extends RunRecord {
  /**
   * The default view; made with its first item or reader (a run in flight often has neither). A
   * resumed run's view may have holes (`undefined`): items published before the resume, which its
   * snapshot did not keep, between the pending prompts it put back where they were.
   */
  #published: Window<AnyEvent | undefined> | undefined;
  /** Where each view continued from, for a resumed run: positions before are lost, not dropped. */
  #resumedAt = { published: 0, all: 0 };
  #limit: number;
  #runId: string;
  #readers: Set<WeakRef<Cursor>> | undefined;
  #ended = false;
  #wake: (() => void)[] | undefined;

  constructor(runId: string, retain: RetainOptions | undefined) {
    super();
    this.#runId = runId;
    this.#limit = retainedItems(retain);
  }

  /** A stream item for every view; `from`: the invocation that wrote it. */
  publish(event: AnyEvent, from?: number): void {
    if (this.#ended) return;
    this.#items.push(event);
    this.#trim(false);
    this.push(event, from, true);
    this.#trim(true);
    this.#notify();
  }

  /** An item for the `all` view only; `from`: the invocation that returned or sent it. */
  trace(event: AnyEvent, from?: number): void {
    if (this.#ended) return;
    this.push(event, from, false);
    this.#trim(true);
    this.#notify();
  }

  /** An event from outside the run: kept for the trace, in no stream view. */
  override outside(event: AnyEvent): void {
    if (!this.#ended) super.outside(event);
  }

  /** Whether the terminal item was recorded (it is the last item). */
  get ended(): boolean {
    return this.#ended;
  }

  /** How many items of the `all` view (the trace's items) were dropped from the record since it began here. */
  get dropped(): number {
    return this.start - this.#resumedAt.all;
  }

  /** The position the next item of a view will have. */
  next(all: boolean): number {
    return all ? this.end : (this.#published?.end ?? this.#resumedAt.published);
  }

  /**
   * Where the stream stands, for a snapshot: each view's next position and where each pending
   * prompt is in the default view (-1 when it is not held), so a resumed run continues the same
   * numbering and puts its prompts back where readers saw them.
   */
  mark(pending: readonly AnyEvent[]): StreamMark {
    const mark = { published: this.next(false), all: this.end };
    return pending.length === 0 ? mark : { ...mark, prompts: pending.map((event) => this.#positionOf(event)) };
  }

  /**
   * Begins a resumed run's stream: each view continues at the snapshot's `mark` (none: from 0),
   * and the run's pending prompts are published again, in the default view where they were when
   * the mark places them (a reader that saw them does not see them twice), else as new items.
   */
  resume(mark: StreamMark | undefined, prompts: readonly AnyEvent[]): void {
    if (mark === undefined) {
      for (const prompt of prompts) this.publish(prompt);
      return;
    }
    this.startAt(mark.all);
    const at = new Map<number, AnyEvent>();
    prompts.forEach((prompt, i) => {
      const position = mark.prompts?.[i] ?? -1;
      // Within reach only: a snapshot cannot make the run fill millions of holes.
      const reach = Math.max(0, mark.published - PLACED_PROMPTS_REACH);
      if (position >= reach && position < mark.published) at.set(position, prompt);
    });
    const first = Math.min(mark.published, ...at.keys());
    this.#resumedAt = { published: mark.published, all: mark.all };
    this.#items.startAt(first);
    for (let p = first; p < mark.published; p++) this.#items.push(at.get(p));
    this.#trim(false);
    this.#startReaders();
    const placed = new Set(at.values());
    for (const prompt of prompts) {
      if (!placed.has(prompt)) this.publish(prompt);
      else {
        // In the `all` view (the trace) it is a new item: that view keeps no holes.
        this.push(prompt, undefined, true);
        this.#trim(true);
      }
    }
    this.#notify();
  }

  /** The terminal item; the stream ends after it. */
  finish(terminal: AnyEvent): void {
    if (this.#ended) return;
    this.#items.push(terminal);
    this.terminal(terminal);
    this.#ended = true;
    this.#trim(false);
    this.#trim(true);
    this.#notify();
  }

  /** Every item the run still holds, in order, events from outside included, with where each came from. */
  record(): RecordedItem[] {
    return this.items(this.#ended);
  }

  /**
   * The items of one view, from `after` on, until the terminal one. `reading` is called when the
   * reader starts and returns what to call when it stops (the handler keeps the process alive
   * meanwhile). `at`, when given, gets each item's position before it is yielded (a resumed run's
   * view may skip lost positions, so counting does not tell them).
   */
  async *iterate(
    options: StreamOptions = {},
    reading?: () => () => void,
    at?: { position: number },
  ): AsyncGenerator<AnyEvent, void, undefined> {
    const all = options.all === true;
    const view: View = all ? this : this.#items;
    const after = options.after;
    const cursor: Cursor = {
      next: after === undefined ? view.start : Math.max(0, Math.floor(after) + 1),
      all,
      pin: options.pin !== false,
      parked: false,
      oldest: after === undefined,
    };
    this.#checkHeld(cursor, view, after !== undefined);
    const ref = new WeakRef(cursor);
    this.#readers ??= new Set();
    this.#readers.add(ref);
    const stopped = reading?.();
    try {
      for (;;) {
        while (cursor.next < view.end) {
          if (cursor.next < view.start) throw new StreamPositionError(this.#runId, cursor.next, view.start, "lapped");
          const item = view.at(cursor.next++);
          if (item === undefined) continue;
          if (at) at.position = cursor.next - 1;
          yield item;
        }
        if (this.#ended) return;
        cursor.parked = true;
        await new Promise<void>((resolve) => {
          this.#wake ??= [];
          this.#wake.push(resolve);
        });
        cursor.parked = false;
      }
    } finally {
      this.#readers.delete(ref);
      this.#trim(all); // what only this reader held goes now, not with the next item
      stopped?.();
    }
  }

  /**
   * A reader asking for a position the view no longer holds fails before it reads: dropped by the
   * window, or (asked for explicitly) lost in a resume, when a hole lies between it and the items
   * held since.
   */
  #checkHeld(cursor: Cursor, view: View, explicit: boolean): void {
    const resumedAt = cursor.all ? this.#resumedAt.all : this.#resumedAt.published;
    if (cursor.next < view.start) {
      const why = cursor.next < resumedAt ? "resumed" : "retain";
      throw new StreamPositionError(this.#runId, cursor.next, view.start, why);
    }
    if (!explicit || cursor.all) return;
    for (let p = cursor.next; p < resumedAt; p++)
      if (view.at(p) === undefined) throw new StreamPositionError(this.#runId, cursor.next, resumedAt, "resumed");
  }

  /** Readers that asked for the oldest item before a resumed run loaded start at its oldest now. */
  #startReaders(): void {
    for (const ref of this.#readers ?? []) {
      const cursor = ref.deref();
      if (!cursor?.oldest) continue;
      const start = cursor.all ? this.start : this.#items.start;
      if (cursor.next < start) cursor.next = start;
    }
  }

  /**
   * Where an item is in the default view, looked for from the newest (-1 when not held), and
   * remembered: a run waiting on a prompt while another step streams is saved again and again.
   */
  #positionOf(event: AnyEvent): number {
    const items = this.#published;
    if (items === undefined) return -1;
    const known = this.#found?.get(event);
    if (known !== undefined && items.at(known) === event) return known;
    for (let p = items.end - 1; p >= items.start; p--) {
      if (items.at(p) !== event) continue;
      this.#found ??= new WeakMap();
      this.#found.set(event, p);
      return p;
    }
    return -1;
  }

  #found: WeakMap<AnyEvent, number> | undefined;

  /** Drops a view's items beyond the window, except those a live reader has yet to read. */
  #trim(all: boolean): void {
    const view: View = all ? this : this.#items;
    const beyond = view.end - this.#limit;
    if (beyond <= view.start) return;
    const pinned = Math.min(beyond, this.#pinned(all));
    const from = all ? this.boundary(pinned) : pinned;
    if (from <= view.start) return;
    if (all) this.dropBefore(from);
    else this.#items.dropBefore(from);
  }

  /** The lowest position a live reader of the view still has to read. */
  #pinned(all: boolean): number {
    let lowest = Number.POSITIVE_INFINITY;
    const readers = this.#readers;
    if (readers === undefined) return lowest;
    for (const ref of readers) {
      const cursor = ref.deref();
      if (cursor === undefined) readers.delete(ref);
      else if (cursor.all === all && (cursor.pin || cursor.parked) && cursor.next < lowest) lowest = cursor.next;
    }
    return lowest;
  }

  get #items(): Window<AnyEvent | undefined> {
    this.#published ??= new Window();
    return this.#published;
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake === undefined || wake.length === 0) return;
    this.#wake = undefined;
    for (const resolve of wake) resolve();
  }
}
