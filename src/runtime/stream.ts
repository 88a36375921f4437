import { StreamPositionError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
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
}

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
  /** The default view; made with its first item or reader (a run in flight often has neither). */
  #published: Window<AnyEvent> | undefined;
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

  /** How many items of the `all` view (the trace's items) were dropped from the record. */
  get dropped(): number {
    return this.start;
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
   * meanwhile).
   */
  async *iterate(options: StreamOptions = {}, reading?: () => () => void): AsyncGenerator<AnyEvent, void, undefined> {
    const all = options.all === true;
    const view: View = all ? this : this.#items;
    const after = options.after;
    const cursor: Cursor = { next: after === undefined ? view.start : Math.max(0, Math.floor(after) + 1), all };
    if (cursor.next < view.start) throw new StreamPositionError(this.#runId, cursor.next, view.start);
    const ref = new WeakRef(cursor);
    this.#readers ??= new Set();
    this.#readers.add(ref);
    const stopped = reading?.();
    try {
      for (;;) {
        while (cursor.next < view.end) yield view.at(cursor.next++) as AnyEvent;
        if (this.#ended) return;
        await new Promise<void>((resolve) => {
          this.#wake ??= [];
          this.#wake.push(resolve);
        });
      }
    } finally {
      this.#readers.delete(ref);
      this.#trim(all); // what only this reader held goes now, not with the next item
      stopped?.();
    }
  }

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
      else if (cursor.all === all && cursor.next < lowest) lowest = cursor.next;
    }
    return lowest;
  }

  get #items(): Window<AnyEvent> {
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
