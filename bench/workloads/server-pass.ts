/**
 * (g) One pass of the server load bench: `n` runs started at once, each timed from its start to
 * its first stream item and to its terminal item, over HTTP or in-process alike.
 */

/** One run's times, in ms from its start (the POST, or `run()`). */
export interface RunTiming {
  readonly firstMs: number;
  readonly resultMs: number;
}

/** A pass: its runs' times, and the wall time until the last run ended. */
export interface Pass<T extends RunTiming = RunTiming> {
  readonly wallMs: number;
  readonly runs: readonly T[];
}

/** Starts `n` runs in one synchronous loop (run `i` is `drive(i)`) and waits for all of them. */
export async function runPass<T extends RunTiming>(n: number, drive: (i: number) => Promise<T>): Promise<Pass<T>> {
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, (_, i) => drive(i)));
  return { wallMs: performance.now() - t0, runs };
}

/**
 * Holds every run at its prompt until all `n` are there, so all `n` streams are open at once
 * (for the heap figure); then lets them go on.
 */
export class Hold {
  #arrived = 0;
  #release: () => void = () => {};
  #everyone: () => void = () => {};
  readonly released = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  /** Settles once all `n` runs are at their prompt. */
  readonly everyone = new Promise<void>((resolve) => {
    this.#everyone = resolve;
  });

  constructor(readonly n: number) {}

  /** Run at its prompt: resolves once released. */
  arrive(): Promise<void> {
    if (++this.#arrived === this.n) this.#everyone();
    return this.released;
  }

  get arrived(): number {
    return this.#arrived;
  }

  release(): void {
    this.#release();
  }
}

/**
 * Waits until every run of a held pass is at its prompt; throws (never hangs) if the pass ends or
 * fails first, or if they are not all there within `ms`.
 */
export async function allHeld(hold: Hold, pass: Promise<unknown>, ms = 60_000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`only ${hold.arrived}/${hold.n} runs reached their prompt in ${ms} ms`)),
      ms,
    );
  });
  const early = pass.then(() => {
    throw new Error(`the held pass ended with ${hold.arrived}/${hold.n} runs at their prompt`);
  });
  try {
    await Promise.race([hold.everyone, early, late]);
  } finally {
    clearTimeout(timer);
    early.catch(() => undefined);
  }
}

/** The `q` quantile (0–1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}
