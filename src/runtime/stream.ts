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

/**
 * The run's recorded stream, in two views: what every consumer sees (stream writes, prompts, the
 * terminal item) and the `all` view (that plus the run's internal traffic). Items are kept for
 * the run's life, so any number of consumers, starting at any time, see every item from the start.
 *
 * Step lifecycle items (two per invocation) are most of the `all` view and rarely read, so they
 * are kept packed (a number in `#all` pointing into `#packed`) and built when a consumer reaches
 * them: an in-flight run then holds no object per started or finished step.
 */
export class RunStream {
  #items: AnyEvent[] = [];
  #all: (AnyEvent | number)[] = [];
  #packed: (string | number | null)[] = [];
  #ended = false;
  #wake: (() => void)[] | undefined;

  /** A stream item for every view. */
  publish(event: AnyEvent): void {
    if (this.#ended) return;
    this.#items.push(event);
    this.#all.push(event);
    this.#notify();
  }

  /** An item for the `all` view only. */
  trace(event: AnyEvent): void {
    if (this.#ended) return;
    const packed = this.#packed;
    if (event.type === "StepStartedEvent") {
      this.#all.push(packed.length);
      packed.push(0, event.step as string, event.invocation as number, event.event as string);
    } else if (event.type === "StepFinishedEvent" && event.status === "completed" && !("error" in event)) {
      this.#all.push(packed.length);
      packed.push(1, event.step as string, event.invocation as number, event.output as string | null);
    } else {
      this.#all.push(event);
    }
    this.#notify();
  }

  /** The terminal item; the stream ends after it. */
  end(terminal: AnyEvent): void {
    if (this.#ended) return;
    this.#items.push(terminal);
    this.#all.push(terminal);
    this.#ended = true;
    this.#notify();
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

  #unpack(item: AnyEvent | number): AnyEvent {
    if (typeof item !== "number") return item;
    const p = this.#packed;
    return p[item] === 0
      ? { type: "StepStartedEvent", step: p[item + 1], invocation: p[item + 2], event: p[item + 3] }
      : {
          type: "StepFinishedEvent",
          step: p[item + 1],
          invocation: p[item + 2],
          status: "completed",
          output: p[item + 3],
        };
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake === undefined || wake.length === 0) return;
    this.#wake = undefined;
    for (const resolve of wake) resolve();
  }
}
