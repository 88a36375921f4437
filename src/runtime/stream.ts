import type { AnyEvent } from "../events/types.js";

/** Options of `handler.streamEvents()`. */
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
 */
export class RunStream {
  #items: AnyEvent[] = [];
  #all: AnyEvent[] = [];
  #ended = false;
  #wake: (() => void)[] = [];

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
    this.#all.push(event);
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
      while (next < items.length) yield items[next++] as AnyEvent;
      if (this.#ended) return;
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }

  #notify(): void {
    if (this.#wake.length === 0) return;
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}
