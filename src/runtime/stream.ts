import { StreamPositionError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { StreamMark } from "../persistence/snapshot.js";
import { type Cursor, Readers } from "./readers.js";
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
   * a client it does not control wants (a stalled client must not hold the run's items). Such a
   * reader still holds what came while it waited for the next item, until it has read it (and no
   * longer once another window's worth has come after that), so a burst larger than the window
   * does not lap a reader that keeps reading; one that stops asking holds nothing more.
   */
  readonly pin?: boolean;
  /** Stops the reader: once aborted, the iteration ends, even while it waits for the next item. */
  readonly signal?: AbortSignal;
}

/** How far back a resumed run puts a pending prompt where it was; one further back is published anew. */
const PLACED_PROMPTS_REACH = 10_000;

/** What a reader reads: the default view or the record (the `all` view). */
interface View {
  readonly start: number;
  readonly end: number;
  at(position: number): AnyEvent | undefined;
}

/**
 * The run's stream, in two views: what every consumer sees (stream writes, prompts, the terminal
 * item) and the `all` view (that plus the run's internal traffic), which is also the run's trace
 * record: the RunRecord this extends.
 *
 * Each view keeps its most recent items (`retain.items`) and lets older ones go, so a long run
 * holds a bounded record; positions keep counting. A reader that is iterating holds the items it
 * has not read yet (unless it asked not to, `pin: false`), so a consumer sees every item from
 * where it started; once it stops (or is garbage), the view shrinks back to the window.
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
  readonly #readers = new Readers();
  /** The terminal item was recorded (it is the last item). */
  #ended = false;
  /** No item comes any more: the terminal one was recorded, or the run goes on elsewhere. */
  #closed = false;
  /** A resumed run's stream before it is loaded: readers wait for it, to start where it resumes. */
  #loading: { promise: Promise<void>; resolve(): void } | undefined;

  constructor(runId: string, retain: RetainOptions | undefined) {
    super();
    this.#runId = runId;
    this.#limit = retainedItems(retain);
  }

  /** A stream item for every view; `from`: the invocation that wrote it. */
  publish(event: AnyEvent, from?: number): void {
    if (this.#closed) return;
    this.#items.push(event);
    this.#trim(false);
    this.push(event, from, true);
    this.#trim(true);
    this.#notify();
  }

  /** An item for the `all` view only; `from`: the invocation that returned or sent it. */
  trace(event: AnyEvent, from?: number): void {
    if (this.#closed) return;
    this.push(event, from, false);
    this.#trim(true);
    this.#notify();
  }

  /** An event from outside the run: kept for the trace, in no stream view. */
  override outside(event: AnyEvent): void {
    if (!this.#closed) super.outside(event);
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
    try {
      this.#resume(mark, prompts);
    } finally {
      this.#loaded();
    }
  }

  #resume(mark: StreamMark | undefined, prompts: readonly AnyEvent[]): void {
    if (mark === undefined) {
      for (const prompt of prompts) this.publish(prompt);
      return;
    }
    this.startAt(mark.all);
    const at = new Map<number, AnyEvent>();
    prompts.forEach((prompt, i) => {
      const position = mark.prompts?.[i] ?? -1;
      // Within the window only (the window would drop it at once), and within reach: a snapshot
      // cannot make the run fill millions of holes.
      const reach = Math.max(0, mark.published - Math.min(PLACED_PROMPTS_REACH, this.#limit));
      if (position >= reach && position < mark.published) at.set(position, prompt);
    });
    const first = Math.min(mark.published, ...at.keys());
    this.#resumedAt = { published: mark.published, all: mark.all };
    this.#items.startAt(first);
    for (let p = first; p < mark.published; p++) this.#items.push(at.get(p));
    this.#trim(false);
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
    if (this.#closed) return;
    this.#items.push(terminal);
    this.terminal(terminal);
    this.#ended = true;
    this.#trim(false);
    this.#trim(true);
    this.#close();
  }

  /**
   * Ends the stream here without a terminal item: the run goes on in another process (detached,
   * or taken over), which numbers its items from where this one's snapshot left them, so this one
   * must not use a position. Readers end; a server's client reconnects to the run's new home.
   */
  close(): void {
    if (!this.#closed) this.#close();
  }

  /** A resumed run's stream: readers that start before `resume` wait for it. */
  expectResume(): void {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#loading = { promise, resolve };
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
    if (this.#loading) await this.#loading.promise; // positions are known once a resumed run loaded
    const { all = false, after, signal } = options;
    const view: View = all ? this : this.#items;
    const next = after === undefined ? view.start : Math.max(0, Math.floor(after) + 1);
    const cursor: Cursor = { next, all, pin: options.pin !== false, parked: false, holdUntil: 0 };
    this.#checkHeld(cursor, view, after !== undefined);
    const ref = this.#readers.add(cursor);
    const stopped = reading?.();
    try {
      for (;;) {
        while (cursor.next < view.end) {
          if (signal?.aborted) return;
          if (cursor.next < view.start) throw new StreamPositionError(this.#runId, cursor.next, view.start, "lapped");
          const item = view.at(cursor.next++);
          if (item === undefined) continue;
          if (at) at.position = cursor.next - 1;
          yield item;
        }
        if (this.#closed || signal?.aborted) return;
        cursor.parked = true;
        await this.#readers.wait(signal);
        cursor.parked = false;
        cursor.holdUntil = view.end;
      }
    } finally {
      this.#readers.remove(ref);
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
    const pinned = Math.min(beyond, this.#readers.lowestHeld(all, view.end, this.#limit));
    const from = all ? this.boundary(pinned) : pinned;
    if (from <= view.start) return;
    if (all) this.dropBefore(from);
    else this.#items.dropBefore(from);
  }

  get #items(): Window<AnyEvent | undefined> {
    this.#published ??= new Window();
    return this.#published;
  }

  #notify(): void {
    this.#readers.notify();
  }

  #close(): void {
    this.#closed = true;
    this.#loaded();
    this.#notify();
  }

  #loaded(): void {
    this.#loading?.resolve();
    this.#loading = undefined;
  }
}
