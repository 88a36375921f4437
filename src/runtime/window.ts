/**
 * An append-only list addressed by absolute position that can let go of its oldest items: the
 * storage of a run's record under a retention window. Positions keep counting after items are
 * dropped, so a reader's position means the same item for the run's whole life.
 *
 * Dropped slots are cleared at once (their objects can be collected), and the array is compacted
 * once the cleared prefix is at least half of it, so a push or a drop costs O(1) amortized and the
 * array holds at most about twice the live items' slots.
 */
export class Window<T> {
  #items: (T | undefined)[] = [];
  /** Index in `#items` of the first live item. */
  #head = 0;
  /** Absolute position of the first live item. */
  #start = 0;

  /** Position of the oldest item still held (the number of items dropped before it). */
  get start(): number {
    return this.#start;
  }

  /** Position the next pushed item will have (the number of items ever pushed). */
  get end(): number {
    return this.#start + this.#items.length - this.#head;
  }

  /** Makes an empty window start at `position` (a resumed run's record continues its numbering). */
  startAt(position: number): void {
    if (this.end !== this.#start) throw new Error("Window.startAt: the window is not empty");
    this.#start = position;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Two items at once (one growth step for both, as `Array.push` of two does). */
  push2(a: T, b: T): void {
    this.#items.push(a, b);
  }

  /** Four items at once. */
  push4(a: T, b: T, c: T, d: T): void {
    this.#items.push(a, b, c, d);
  }

  /** The item at an absolute position; `undefined` when it was dropped or is not there yet. */
  at(position: number): T | undefined {
    if (position < this.#start) return undefined;
    return this.#items[position - this.#start + this.#head];
  }

  /** Lets go of every item before `position`. */
  dropBefore(position: number): void {
    const count = Math.min(position, this.end) - this.#start;
    if (count <= 0) return;
    const items = this.#items;
    const head = this.#head + count;
    this.#start += count;
    if (head === items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (head >= 64 && head * 2 >= items.length) {
      this.#items = items.slice(head);
      this.#head = 0;
    } else {
      for (let i = this.#head; i < head; i++) items[i] = undefined;
      this.#head = head;
    }
  }
}
