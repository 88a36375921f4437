/**
 * An append-only log with a head: the FIFO used for step queues and collect buffers in machine
 * context. Appending writes in place when this log owns the array's end, so older snapshots that
 * share the array keep seeing their own `[head, tail)` window; otherwise it copies. Taking moves the
 * head and drops consumed items once they outweigh live ones, so persisted JSON stays small.
 */
export interface Log<T> {
  readonly items: readonly T[];
  readonly head: number;
  readonly tail: number;
}

const EMPTY: Log<never> = Object.freeze({ items: Object.freeze([]) as readonly never[], head: 0, tail: 0 });

export function emptyLog<T>(): Log<T> {
  return EMPTY;
}

export function logSize(log: Log<unknown>): number {
  return log.tail - log.head;
}

export function append<T>(log: Log<T>, item: T): Log<T> {
  if (log.tail === log.items.length && log !== EMPTY && !Object.isFrozen(log.items)) {
    (log.items as T[]).push(item);
    return { items: log.items, head: log.head, tail: log.tail + 1 };
  }
  const items = log.items.slice(log.head, log.tail);
  items.push(item);
  return { items, head: 0, tail: items.length };
}

export function peek<T>(log: Log<T>): T | undefined {
  return log.head < log.tail ? log.items[log.head] : undefined;
}

/** The log without its first `count` items. */
export function drop<T>(log: Log<T>, count = 1): Log<T> {
  const head = log.head + count;
  if (head >= log.tail) return EMPTY;
  if (head > 64 && head * 2 > log.tail) {
    const items = log.items.slice(head, log.tail);
    return { items, head: 0, tail: items.length };
  }
  return { items: log.items, head, tail: log.tail };
}

/** The live items, oldest first (a copy). */
export function toArray<T>(log: Log<T>): T[] {
  return log.items.slice(log.head, log.tail);
}

/** Removes the items at the given live positions (ascending), keeping the order of the rest. */
export function removeAt<T>(log: Log<T>, positions: readonly number[]): Log<T> {
  if (positions.length === 0) return log;
  if (positions.every((p, i) => p === i)) return drop(log, positions.length);
  const skip = new Set(positions);
  const items = toArray(log).filter((_, i) => !skip.has(i));
  return items.length === 0 ? EMPTY : { items, head: 0, tail: items.length };
}
