/** A reader's place in one view of a run's stream. Held weakly by the stream's Readers. */
export interface Cursor {
  /** The next position it reads. */
  next: number;
  readonly all: boolean;
  /** It holds whatever it has not read (`pin`, the default of `streamEvents`). */
  readonly pin: boolean;
  /** Waiting for the next item: it holds what comes meanwhile, pinning or not. */
  parked: boolean;
  /** What had come when it last woke: held until read, pinning or not (a burst it was waiting for). */
  holdUntil: number;
}

/**
 * A reader that does not pin holds the burst it woke to while it reads it, but not once a window's
 * worth of items has come after that burst: then it has stopped reading (a full socket), and
 * holding more would let one stalled client grow the run without bound.
 */
const holdsBurst = (cursor: Cursor, end: number, limit: number) =>
  cursor.next < cursor.holdUntil && end - cursor.holdUntil <= limit;

/**
 * The live readers of a run's stream: which items they hold (so the window keeps them), and waking
 * them when items come. A cursor is held weakly: a reader dropped without `return()` is garbage,
 * and then holds nothing.
 */
export class Readers {
  #cursors: Set<WeakRef<Cursor>> | undefined;
  #wake: Set<() => void> | undefined;

  add(cursor: Cursor): WeakRef<Cursor> {
    const ref = new WeakRef(cursor);
    this.#cursors ??= new Set();
    this.#cursors.add(ref);
    return ref;
  }

  remove(ref: WeakRef<Cursor>): void {
    this.#cursors?.delete(ref);
  }

  /**
   * The lowest position a live reader of the view still holds (`end`: the view's next position,
   * `limit`: its window). A reader that does not pin holds only what it is waiting for or woke up
   * to: one that keeps reading is not lapped by a burst, one that stopped asking holds no more.
   */
  lowestHeld(all: boolean, end: number, limit: number): number {
    let lowest = Number.POSITIVE_INFINITY;
    const cursors = this.#cursors;
    if (cursors === undefined) return lowest;
    for (const ref of cursors) {
      const cursor = ref.deref();
      if (cursor === undefined) cursors.delete(ref);
      else if (cursor.all !== all || cursor.next >= lowest) continue;
      else if (cursor.pin || cursor.parked || holdsBurst(cursor, end, limit)) lowest = cursor.next;
    }
    return lowest;
  }

  /**
   * Resolves when items come (`notify`) or `signal` aborts; an aborted wait leaves nothing behind
   * (a client that disconnects while the run idles for days must not be remembered meanwhile).
   */
  wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      this.#wake ??= new Set();
      const wake = this.#wake;
      const done = () => {
        wake.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      signal?.addEventListener("abort", done, { once: true });
      wake.add(done);
    });
  }

  notify(): void {
    const wake = this.#wake;
    if (wake === undefined || wake.size === 0) return;
    this.#wake = undefined;
    for (const done of wake) done();
  }
}
