import type { AnyEvent } from "../events/types.js";

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
  /** Yield only the items after this position (positions count from 0, per view). */
  readonly after?: number;
  /** Add returned and sent events, step started/finished events and rejected events. */
  readonly all?: boolean;
}

/** What the run's record holds per item, for the trace (see `RunStream.record`). */
export interface RecordedItem {
  readonly event: AnyEvent;
  /** The invocation that returned, sent or wrote it; -1 for an event from outside the run. */
  readonly from: number | undefined;
  /** A stream item every consumer sees (not only the `all` view). */
  readonly published: boolean;
}

/**
 * The run's recorded stream, in two views: what every consumer sees (stream writes, prompts, the
 * terminal item) and the `all` view (that plus the run's internal traffic). Items are kept for
 * the run's life, so any number of consumers, starting at any time, see every item from the start.
 * It is also the run's trace record: the source of each item, and the events from outside the
 * run (which no stream view shows) beside it.
 *
 * Step lifecycle items (two per invocation) are most of the `all` view and rarely read, so they
 * are kept packed (a number in `#all` pointing into `#packed`) and built when a consumer reaches
 * them: an in-flight run then holds no object per started or finished step. Items with a source
 * are packed too, as `[code, event]`, the code holding both the source and the kind (see `code`),
 * except the event a step returned: it comes right after that step's finished item, which names
 * the source already.
 */
export class RunStream {
  #items: AnyEvent[] = [];
  #all: (AnyEvent | number)[] = [];
  #packed: unknown[] = [];
  /** The start event (from outside, before everything else). */
  #start: AnyEvent | undefined;
  /** Later events from outside the run, as pairs: the `#all` position they came before, the event. */
  #outside: (number | AnyEvent)[] | undefined;
  /** Positions in `#all` of published items kept as they are (no source: a prompt from outside, a restored one). */
  #plainPublished: number[] | undefined;
  #ended = false;
  #wake: (() => void)[] | undefined;

  /** A stream item for every view; `from`: the invocation that wrote it. */
  publish(event: AnyEvent, from?: number): void {
    if (this.#ended) return;
    this.#items.push(event);
    this.#push(event, from, true);
    this.#notify();
  }

  /** An item for the `all` view only; `from`: the invocation that returned or sent it. */
  trace(event: AnyEvent, from?: number): void {
    if (this.#ended) return;
    const packed = this.#packed;
    if (event.type === "StepStartedEvent") {
      this.#all.push(packed.length);
      packed.push(STARTED, event.step as string, event.invocation as number, event.event as string);
    } else if (event.type === "StepFinishedEvent" && event.status === "completed" && !("error" in event)) {
      this.#all.push(packed.length);
      packed.push(FINISHED, event.step as string, event.invocation as number, event.output as string | null);
    } else {
      this.#push(event, from, false);
    }
    this.#notify();
  }

  /** An event from outside the run: kept for the trace, in no stream view. */
  outside(event: AnyEvent): void {
    if (this.#ended) return;
    if (this.#all.length === 0 && this.#start === undefined && this.#outside === undefined) {
      this.#start = event;
      return;
    }
    this.#outside ??= [];
    this.#outside.push(this.#all.length, event);
  }

  /** Whether the terminal item was recorded (it is the last item). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The terminal item; the stream ends after it. */
  end(terminal: AnyEvent): void {
    if (this.#ended) return;
    this.#items.push(terminal);
    this.#all.push(terminal);
    this.#ended = true;
    this.#notify();
  }

  /** Every item so far in order, events from outside included, with where each came from. */
  record(): RecordedItem[] {
    const out: RecordedItem[] = [];
    if (this.#start) out.push({ event: this.#start, from: -1, published: false });
    const outside = this.#outside ?? [];
    let o = 0;
    const all = this.#all;
    for (let i = 0; i <= all.length; i++) {
      while (o < outside.length && outside[o] === i) {
        out.push({ event: outside[o + 1] as AnyEvent, from: -1, published: false });
        o += 2;
      }
      if (i === all.length) break;
      const item = all[i] as AnyEvent | number;
      if (typeof item !== "number") {
        const isPublished = (this.#ended && i === all.length - 1) || this.#plainPublished?.includes(i) === true;
        out.push({
          event: item,
          from: isPublished ? undefined : this.#returnedBy(i, item.type),
          published: isPublished,
        });
        continue;
      }
      const code = this.#packed[item] as number;
      const sourced = code >= SOURCED;
      out.push({
        event: this.#unpack(item),
        from: sourced ? (code >> 1) - SOURCED / 2 : undefined,
        published: sourced && (code & 1) === 1,
      });
    }
    return out;
  }

  async *iterate(options: StreamOptions = {}): AsyncGenerator<AnyEvent, void, undefined> {
    let next = (options.after ?? -1) + 1;
    const items = options.all ? this.#all : this.#items;
    for (;;) {
      while (next < items.length) yield this.#unpack(items[next++] as AnyEvent | number);
      if (this.#ended) return;
      await new Promise<void>((resolve) => {
        this.#wake ??= [];
        this.#wake.push(resolve);
      });
    }
  }

  #push(event: AnyEvent, from: number | undefined, published: boolean): void {
    // A returned event needs no source of its own (see #returnedBy); a published one is packed
    // anyway, because `record` tells published items from routed ones by the code.
    if (from === undefined || (!published && this.#returnedBy(this.#all.length, event.type) === from)) {
      if (published) {
        this.#plainPublished ??= [];
        this.#plainPublished.push(this.#all.length);
      }
      this.#all.push(event);
      return;
    }
    this.#all.push(this.#packed.length);
    this.#packed.push(code(from, published), event);
  }

  /** The invocation whose finished item, returning a `type`, is just before position `i`, if there is one. */
  #returnedBy(i: number, type: string): number | undefined {
    const prev = this.#all[i - 1];
    if (typeof prev !== "number" || this.#packed[prev] !== FINISHED || this.#packed[prev + 3] !== type)
      return undefined;
    return this.#packed[prev + 2] as number;
  }

  #unpack(item: AnyEvent | number): AnyEvent {
    if (typeof item !== "number") return item;
    const p = this.#packed;
    switch (p[item]) {
      case STARTED:
        return { type: "StepStartedEvent", step: p[item + 1], invocation: p[item + 2], event: p[item + 3] };
      case FINISHED:
        return {
          type: "StepFinishedEvent",
          step: p[item + 1],
          invocation: p[item + 2],
          status: "completed",
          output: p[item + 3],
        };
      default:
        return p[item + 1] as AnyEvent;
    }
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake === undefined || wake.length === 0) return;
    this.#wake = undefined;
    for (const resolve of wake) resolve();
  }
}

// The first number of a packed item: a step lifecycle kind, or (from SOURCED up) an item's code.
const STARTED = 0;
const FINISHED = 1;
const SOURCED = 4;

/** An item's source invocation and whether it was published, as one small integer. */
function code(from: number, published: boolean): number {
  return (from + SOURCED / 2) * 2 + (published ? 1 : 0);
}
