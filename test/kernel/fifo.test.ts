import { describe, expect, it } from "vitest";
import { append, drop, emptyFifo, type Fifo, fifoSize, peek, removeAt, toArray } from "../../src/kernel/fifo.js";

function logOf<T>(...items: T[]): Fifo<T> {
  let log = emptyFifo<T>();
  for (const item of items) log = append(log, item);
  return log;
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

describe("emptyFifo", () => {
  it("has no items", () => {
    const log = emptyFifo<number>();
    expect(fifoSize(log)).toBe(0);
    expect(peek(log)).toBeUndefined();
    expect(toArray(log)).toEqual([]);
  });
});

describe("append", () => {
  it("adds items at the end, oldest first", () => {
    const log = logOf("a", "b", "c");
    expect(toArray(log)).toEqual(["a", "b", "c"]);
    expect(fifoSize(log)).toBe(3);
    expect(peek(log)).toBe("a");
  });

  it("leaves the empty log empty", () => {
    const empty = emptyFifo<number>();
    append(empty, 1);
    expect(toArray(emptyFifo<number>())).toEqual([]);
    expect(fifoSize(empty)).toBe(0);
  });

  it("keeps older views valid after an append", () => {
    const v1 = logOf(1, 2);
    const v2 = append(v1, 3);
    const v3 = append(v2, 4);
    expect(toArray(v1)).toEqual([1, 2]);
    expect(toArray(v2)).toEqual([1, 2, 3]);
    expect(toArray(v3)).toEqual([1, 2, 3, 4]);
  });

  it("keeps two branches apart when an older view is appended to again", () => {
    const v1 = logOf(1, 2);
    const left = append(v1, 3);
    const right = append(v1, 99);
    const leftMore = append(left, 4);
    expect(toArray(v1)).toEqual([1, 2]);
    expect(toArray(left)).toEqual([1, 2, 3]);
    expect(toArray(right)).toEqual([1, 2, 99]);
    expect(toArray(leftMore)).toEqual([1, 2, 3, 4]);
    expect(toArray(append(right, 100))).toEqual([1, 2, 99, 100]);
  });

  it("keeps a dropped view and its source apart", () => {
    const src = logOf(1, 2, 3);
    const dropped = drop(src);
    const grown = append(src, 4);
    const droppedGrown = append(dropped, 5);
    expect(toArray(src)).toEqual([1, 2, 3]);
    expect(toArray(grown)).toEqual([1, 2, 3, 4]);
    expect(toArray(dropped)).toEqual([2, 3]);
    expect(toArray(droppedGrown)).toEqual([2, 3, 5]);
  });

  it("copies a frozen array instead of writing into it", () => {
    const items = Object.freeze([1, 2]);
    const frozen: Fifo<number> = { items, head: 0, tail: 2 };
    const next = append(frozen, 3);
    expect(toArray(next)).toEqual([1, 2, 3]);
    expect(items).toEqual([1, 2]);
  });

  it("works on a log restored from JSON", () => {
    const restored = JSON.parse(JSON.stringify(drop(logOf("a", "b", "c")))) as Fifo<string>;
    expect(toArray(append(restored, "d"))).toEqual(["b", "c", "d"]);
  });
});

describe("drop", () => {
  it("removes items from the front", () => {
    const log = logOf(1, 2, 3, 4);
    expect(toArray(drop(log))).toEqual([2, 3, 4]);
    expect(toArray(drop(log, 3))).toEqual([4]);
    expect(peek(drop(log, 2))).toBe(3);
    expect(toArray(log)).toEqual([1, 2, 3, 4]);
  });

  it("returns an empty log when everything is dropped", () => {
    const log = logOf(1, 2);
    expect(fifoSize(drop(log, 2))).toBe(0);
    expect(fifoSize(drop(log, 5))).toBe(0);
    expect(drop(log, 2)).toBe(emptyFifo());
  });

  it("compacts consumed items once they outweigh live ones", () => {
    const log = logOf(...range(100));
    const dropped = drop(log, 65);
    expect(dropped.head).toBe(0);
    expect(dropped.items).toHaveLength(35);
    expect(toArray(dropped)).toEqual(range(100).slice(65));
    expect(toArray(log)).toEqual(range(100));
  });

  it("does not compact while live items outweigh consumed ones", () => {
    const log = logOf(...range(200));
    const dropped = drop(log, 70);
    expect(dropped.head).toBe(70);
    expect(dropped.items).toBe(log.items);
    expect(fifoSize(dropped)).toBe(130);
  });

  it("does not compact a short prefix", () => {
    const dropped = drop(logOf(...range(80)), 64);
    expect(dropped.head).toBe(64);
    expect(toArray(dropped)).toEqual(range(80).slice(64));
  });

  it("stays correct across many appends and drops", () => {
    let log = emptyFifo<number>();
    const model: number[] = [];
    for (let i = 0; i < 1000; i++) {
      log = append(log, i);
      model.push(i);
      if (i % 3 === 0) {
        log = drop(log);
        model.shift();
      }
    }
    expect(toArray(log)).toEqual(model);
    expect(log.items.length).toBeLessThan(2 * model.length + 70);
  });
});

describe("removeAt", () => {
  it("removes the items at live positions and keeps the order of the rest", () => {
    const log = drop(logOf("x", "a", "b", "c", "d", "e"));
    expect(toArray(removeAt(log, [1, 3]))).toEqual(["a", "c", "e"]);
    expect(toArray(log)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("drops from the front when the positions are a prefix", () => {
    const log = logOf("a", "b", "c");
    const rest = removeAt(log, [0, 1]);
    expect(toArray(rest)).toEqual(["c"]);
    expect(rest.items).toBe(log.items);
  });

  it("returns the same log for no positions", () => {
    const log = logOf(1);
    expect(removeAt(log, [])).toBe(log);
  });

  it("returns an empty log when every item is removed", () => {
    const log = drop(logOf(0, 1, 2), 1);
    expect(fifoSize(removeAt(log, [0, 1]))).toBe(0);
    expect(fifoSize(removeAt(logOf(1, 2, 3), [1, 2, 0].sort()))).toBe(0);
  });
});

describe("toArray", () => {
  it("returns a copy", () => {
    const log = logOf(1, 2);
    const arr = toArray(log);
    arr.push(3);
    expect(toArray(log)).toEqual([1, 2]);
  });
});
