/**
 * A first-in first-out queue as plain JSON (an append-only array with a head): step queues and
 * collect buffers in machine context. Appending writes in place when this queue owns the array's end, so older snapshots that
 * share the array keep seeing their own `[head, tail)` window; otherwise it copies. Taking moves the
 * head and drops consumed items once they outweigh live ones, so persisted JSON stays small.
 */
export interface Fifo<T> {
  readonly items: readonly T[];
  readonly head: number;
  readonly tail: number;
}

const EMPTY: Fifo<never> = Object.freeze({ items: Object.freeze([]) as readonly never[], head: 0, tail: 0 });

export function emptyFifo<T>(): Fifo<T> {
  return EMPTY;
}

export function fifoSize(log: Fifo<unknown>): number {
  return log.tail - log.head;
}

export function append<T>(log: Fifo<T>, item: T): Fifo<T> {
  if (log.tail === log.items.length && log !== EMPTY && !Object.isFrozen(log.items)) {
    (log.items as T[]).push(item);
    return { items: log.items, head: log.head, tail: log.tail + 1 };
  }
  const items = log.items.slice(log.head, log.tail);
  items.push(item);
  return { items, head: 0, tail: items.length };
}

export function peek<T>(log: Fifo<T>): T | undefined {
  return log.head < log.tail ? log.items[log.head] : undefined;
}

/** The log without its first `count` items. */
export function drop<T>(log: Fifo<T>, count = 1): Fifo<T> {
  const head = log.head + count;
  if (head >= log.tail) return EMPTY;
  if (head > 64 && head * 2 > log.tail) {
    const items = log.items.slice(head, log.tail);
    return { items, head: 0, tail: items.length };
  }
  return { items: log.items, head, tail: log.tail };
}

/** The live items, oldest first (a copy). */
export function toArray<T>(log: Fifo<T>): T[] {
  return log.items.slice(log.head, log.tail);
}

/** Removes the items at the given live positions (ascending), keeping the order of the rest. */
export function removeAt<T>(log: Fifo<T>, positions: readonly number[]): Fifo<T> {
  if (positions.length === 0) return log;
  if (positions.every((p, i) => p === i)) return drop(log, positions.length);
  const skip = new Set(positions);
  const items = toArray(log).filter((_, i) => !skip.has(i));
  return items.length === 0 ? EMPTY : { items, head: 0, tail: items.length };
}
