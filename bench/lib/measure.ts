/** Timing, statistics, heap and table helpers for the benchmark harness. */

/** A workload: the same three jobs written against one implementation. */
export interface Workload {
  readonly name: string;
  /** One 10-step chain run; throws on a wrong result. */
  chain(): Promise<void>;
  /** One fan-out run over `n` jobs with 4 workers; throws on a wrong sum. */
  fanout(n: number): Promise<void>;
}

/** Called by every step body of every workload; the heap sampler swaps it in, a no-op otherwise. */
export const stepHook: { fn: () => void } = { fn: () => {} };

/** Throws unless `got === want`. */
export function check(what: string, got: unknown, want: unknown): void {
  if (got !== want) throw new Error(`${what}: expected ${String(want)}, got ${String(got)}`);
}

export const fanoutSum = (n: number): number => (n * (n - 1)) / 2;

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stats(values: readonly number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** Milliseconds taken by `runs` sequential awaits of `fn`. */
export async function timeSequential(fn: () => Promise<void>, runs: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return performance.now() - t0;
}

/**
 * Runs each job `reps` times, interleaved (job A rep 1, job B rep 1, ...) so drift hits all alike,
 * and returns each job's per-rep values after `scale` (e.g. ms -> µs/step).
 */
export async function interleave(
  jobs: readonly (() => Promise<number>)[],
  reps: number,
  scale: (ms: number) => number,
): Promise<Stats[]> {
  const samples: number[][] = jobs.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (const [i, job] of jobs.entries()) samples[i]!.push(scale(await job()));
  }
  return samples.map(stats);
}

const gcFn = (globalThis as { gc?: () => void }).gc;

export const hasGc = (): boolean => typeof gcFn === "function";

/** Heap in use after a full collection (bytes). */
export function heapAfterGc(): number {
  gcFn?.();
  gcFn?.();
  return process.memoryUsage().heapUsed;
}

/** Formats a number with `digits` decimals (fewer for large values). */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const d = Math.abs(x) >= 100 ? Math.min(digits, 1) : digits;
  return x.toFixed(d);
}

export const fmtStats = (s: Stats, digits = 2): string =>
  `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

/** `x / base` as "1.80×" (two significant digits below 0.1, e.g. "0.0023×"). */
export function ratio(x: number, base: number | undefined): string {
  if (!base) return "–";
  const r = x / base;
  return `${r < 0.1 ? r.toPrecision(2) : fmt(r)}×`;
}

/** Renders a Markdown table. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  return [line(headers), line(headers.map(() => "---")), ...rows.map(line)].join("\n");
}
