import type { AnyEvent } from "../events/types.js";
import { Window } from "./window.js";

/** What the run's record holds per item, for the trace (see `RunRecord.items`). */
export interface RecordedItem {
  readonly event: AnyEvent;
  /** The invocation that returned, sent or wrote it; -1 for an event from outside the run. */
  readonly from: number | undefined;
  /** A stream item every consumer sees (not only the `all` view). */
  readonly published: boolean;
}

/** An invocation whose started item (or items, one per attempt) the record dropped while it ran. */
export interface StartedBefore {
  readonly step: string;
  readonly attempts: number;
}

/**
 * The `all` view of a run's stream, which is also the run's trace record: each item with the
 * invocation it came from, and the events from outside the run (which no stream view shows)
 * beside them. Positions count from the run's start for its whole life; `dropBefore` lets go of
 * the oldest items. RunStream extends it (one object per run, not two: an in-flight run should
 * hold little) and decides when to drop.
 *
 * Step lifecycle items (two per invocation) are most of the record and rarely read, so they are
 * kept packed (a number in `#all` pointing into `#packed`) and built when a consumer reaches
 * them: an in-flight run then holds no object per started or finished step. Items with a source
 * are packed too, as `[code, event]`, the code holding both the source and the kind (see `code`),
 * except the event a step returned: it comes right after that step's finished item, which names
 * the source already.
 */
export class RunRecord {
  #all = new Window<AnyEvent | number>();
  #packed = new Window<unknown>();
  /** The start event (from outside, before everything else): always kept. */
  #start: AnyEvent | undefined;
  /** Later events from outside the run, as pairs: the `#all` position they came before, the event. */
  #outside: Window<number | AnyEvent> | undefined;
  /** Positions in `#all` of published items kept as they are (no source: a prompt from outside, a restored one). */
  #plainPublished: Window<number> | undefined;
  /** Invocations whose started item was dropped and that had not finished by then (the trace still names them). */
  #startedBefore: Map<number, StartedBefore> | undefined;

  /** Makes the empty record continue at `position`: a resumed run's items keep their positions. */
  protected startAt(position: number): void {
    this.#all.startAt(position);
  }

  /** Position of the oldest item held: the number of items dropped. */
  get start(): number {
    return this.#all.start;
  }

  /** Position of the next item. */
  get end(): number {
    return this.#all.end;
  }

  /** Invocations that started before the items the record holds and had not ended then. */
  get startedBefore(): ReadonlyMap<number, StartedBefore> {
    return this.#startedBefore ?? new Map();
  }

  /** An item; `from`: the invocation that returned, sent or wrote it; `published`: in every view. */
  protected push(event: AnyEvent, from: number | undefined, published: boolean): void {
    const packed = this.#packed;
    const all = this.#all;
    if (!published && event.type === "StepStartedEvent") {
      all.push(packed.end);
      packed.push4(STARTED, event.step, event.invocation, event.event);
    } else if (
      !published &&
      event.type === "StepFinishedEvent" &&
      event.status === "completed" &&
      !("error" in event)
    ) {
      all.push(packed.end);
      packed.push4(FINISHED, event.step, event.invocation, event.output);
    } else if (from === undefined || (!published && this.#returnedBy(all.end, event.type) === from)) {
      // A returned event needs no source of its own (see #returnedBy); a published one is packed
      // anyway, because `items` tells published items from routed ones by the code.
      if (published) {
        this.#plainPublished ??= new Window();
        this.#plainPublished.push(all.end);
      }
      all.push(event);
    } else {
      all.push(packed.end);
      packed.push2(code(from, published), event);
    }
  }

  /** An event from outside the run: kept for the trace, in no stream view. */
  protected outside(event: AnyEvent): void {
    if (this.#all.end === 0 && this.#start === undefined && this.#outside === undefined) {
      this.#start = event;
      return;
    }
    this.#outside ??= new Window();
    this.#outside.push2(this.#all.end, event);
  }

  /** The run's terminal item (the last one). */
  protected terminal(terminal: AnyEvent): void {
    this.#all.push(terminal);
  }

  /** The item at a position, as the `all` view yields it; `undefined` when dropped or not there yet. */
  at(position: number): AnyEvent | undefined {
    const item = this.#all.at(position);
    return item === undefined ? undefined : this.#unpack(item);
  }

  /**
   * Where dropping up to `position` may stop: before it, or one earlier when the item there is a
   * returned event, which is kept with the finished item that names its source.
   */
  protected boundary(position: number): number {
    const item = this.#all.at(position);
    return typeof item === "object" && this.#returnedBy(position, item.type) !== undefined ? position - 1 : position;
  }

  /** Lets go of every item before `position`, with what only they used. */
  protected dropBefore(position: number): void {
    const all = this.#all;
    const packed = this.#packed;
    for (let i = all.start; i < position; i++) {
      const item = all.at(i);
      if (typeof item === "number") {
        const kind = packed.at(item) as number;
        if (kind < SOURCED) this.#forget(kind, packed.at(item + 1) as string, packed.at(item + 2) as number);
        packed.dropBefore(item + (kind < SOURCED ? 4 : 2));
      } else if (item?.type === "StepFinishedEvent" && item.status !== "retrying") {
        this.#startedBefore?.delete(item.invocation as number);
      }
    }
    all.dropBefore(position);
    const outside = this.#outside;
    while (outside && outside.start < outside.end && (outside.at(outside.start) as number) < position)
      outside.dropBefore(outside.start + 2);
    const plain = this.#plainPublished;
    while (plain && plain.start < plain.end && (plain.at(plain.start) as number) < position)
      plain.dropBefore(plain.start + 1);
  }

  /** Every item held, in order, events from outside included, with where each came from. */
  protected items(ended: boolean): RecordedItem[] {
    const out: RecordedItem[] = [];
    if (this.#start) out.push({ event: this.#start, from: -1, published: false });
    const outside = this.#outside;
    let o = outside?.start ?? 0;
    const all = this.#all;
    const plain = new Set<number>();
    const pp = this.#plainPublished;
    if (pp) for (let p = pp.start; p < pp.end; p++) plain.add(pp.at(p) as number);
    for (let i = all.start; i <= all.end; i++) {
      while (outside && o < outside.end && outside.at(o) === i) {
        out.push({ event: outside.at(o + 1) as AnyEvent, from: -1, published: false });
        o += 2;
      }
      if (i === all.end) break;
      const item = all.at(i) as AnyEvent | number;
      if (typeof item !== "number") {
        const isPublished = (ended && i === all.end - 1) || plain.has(i);
        out.push({
          event: item,
          from: isPublished ? undefined : this.#returnedBy(i, item.type),
          published: isPublished,
        });
        continue;
      }
      const code = this.#packed.at(item) as number;
      const sourced = code >= SOURCED;
      out.push({
        event: this.#unpack(item),
        from: sourced ? (code >> 1) - SOURCED / 2 : undefined,
        published: sourced && (code & 1) === 1,
      });
    }
    return out;
  }

  /** A dropped lifecycle item: an invocation still in flight is remembered until its end is dropped too. */
  #forget(kind: number, step: string, invocation: number): void {
    if (kind === FINISHED) {
      this.#startedBefore?.delete(invocation);
      return;
    }
    this.#startedBefore ??= new Map();
    const known = this.#startedBefore.get(invocation);
    this.#startedBefore.set(invocation, { step, attempts: (known?.attempts ?? 0) + 1 });
  }

  /** The invocation whose finished item, returning a `type`, is just before position `i`, if there is one. */
  #returnedBy(i: number, type: string): number | undefined {
    const prev = this.#all.at(i - 1);
    const p = this.#packed;
    if (typeof prev !== "number" || p.at(prev) !== FINISHED || p.at(prev + 3) !== type) return undefined;
    return p.at(prev + 2) as number;
  }

  #unpack(item: AnyEvent | number): AnyEvent {
    if (typeof item !== "number") return item;
    const p = this.#packed;
    switch (p.at(item)) {
      case STARTED:
        return { type: "StepStartedEvent", step: p.at(item + 1), invocation: p.at(item + 2), event: p.at(item + 3) };
      case FINISHED:
        return {
          type: "StepFinishedEvent",
          step: p.at(item + 1),
          invocation: p.at(item + 2),
          status: "completed",
          output: p.at(item + 3),
        };
      default:
        return p.at(item + 1) as AnyEvent;
    }
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
