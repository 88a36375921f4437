/**
 * Sections (a)–(c): the same jobs timed on every workload in one process, interleaved rep by rep
 * so the VM's drift hits all of them alike. Only ratios between rows of one run compare.
 */
import { heapAfterGc, interleave, type Stats, stats, stepHook, timeSequential, type Workload } from "./measure.js";

/** How much to measure (`--quick` or full). */
export interface CompareConfig {
  readonly warm: number;
  readonly reps: number;
  readonly chainRuns: number;
  readonly fanWarm: number;
  readonly fanRuns: number;
  readonly concReps: number;
}

export const CONCURRENT = 1_000;
export const FAN = 1_000;
const noop = () => {};

/** Per-workload medians (min–max) of one section. */
export type Results = Map<Workload, Stats>;

const collect = (workloads: readonly Workload[], res: Stats[]): Results =>
  new Map(workloads.map((w, i) => [w, res[i]!]));

/** (a) µs/step of sequential 10-step chain runs. */
export async function chainSection(workloads: readonly Workload[], cfg: CompareConfig): Promise<Results> {
  for (const w of workloads) await timeSequential(() => w.chain(), cfg.warm);
  const jobs = workloads.map((w) => () => timeSequential(() => w.chain(), cfg.chainRuns));
  return collect(workloads, await interleave(jobs, cfg.reps, (ms) => (ms * 1000) / (cfg.chainRuns * 10)));
}

/** (b) ms per fan-out run of FAN jobs. */
export async function fanoutSection(workloads: readonly Workload[], cfg: CompareConfig): Promise<Results> {
  for (const w of workloads) await timeSequential(() => w.fanout(FAN), cfg.fanWarm);
  const jobs = workloads.map((w) => () => timeSequential(() => w.fanout(FAN), cfg.fanRuns));
  return collect(workloads, await interleave(jobs, cfg.reps, (ms) => ms / cfg.fanRuns));
}

/** µs/event of one workload's fan-out at a size. */
export interface LinearPoint {
  readonly n: number;
  readonly s: Stats;
}

/**
 * µs/event of `w`'s fan-out at each size: FAN reuses section (b); larger sizes run once to warm
 * (and build the workflow), then 3 times, or once at 100k and more.
 */
export async function linearity(w: Workload, fan1k: Stats, sizes: readonly number[]): Promise<LinearPoint[]> {
  const out = [{ n: FAN, s: scale(fan1k, 1000 / FAN) }];
  for (const n of sizes.filter((n) => n !== FAN)) {
    await w.fanout(n);
    const reps = n >= 100_000 ? 1 : 3;
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(((await timeSequential(() => w.fanout(n), 1)) * 1000) / n);
    out.push({ n, s: stats(samples) });
  }
  return out;
}

const scale = (s: Stats, k: number): Stats => ({ median: s.median * k, min: s.min * k, max: s.max * k });

async function concurrent(w: Workload, onDone: () => void = noop): Promise<void> {
  await Promise.all(Array.from({ length: CONCURRENT }, () => w.chain().then(onDone)));
}

/** (c) total ms of CONCURRENT chain runs started together. */
export async function concurrentSection(workloads: readonly Workload[], cfg: CompareConfig): Promise<Results> {
  for (const w of workloads) await concurrent(w);
  const jobs = workloads.map((w) => async () => {
    const t0 = performance.now();
    await concurrent(w);
    return performance.now() - t0;
  });
  return collect(workloads, await interleave(jobs, cfg.concReps, (ms) => ms));
}

/** Live heap per in-flight run, and how many runs were in flight when it was sampled. */
export interface HeapSample {
  readonly kb: number;
  readonly inFlight: number;
}

/** (c) heap after gc, sampled inside the 5000th of 10000 step calls, minus the idle heap, per run. */
export async function heapPerRun(w: Workload): Promise<HeapSample> {
  await concurrent(w);
  const base = heapAfterGc();
  let calls = 0;
  let finished = 0;
  let sampled = Number.NaN;
  let inFlight = 0;
  stepHook.fn = () => {
    if (++calls !== (CONCURRENT * 10) / 2) return;
    sampled = heapAfterGc();
    inFlight = CONCURRENT - finished;
  };
  try {
    await concurrent(w, () => void finished++);
  } finally {
    stepHook.fn = noop;
  }
  return { kb: (sampled - base) / 1024 / CONCURRENT, inFlight };
}
