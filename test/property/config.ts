/**
 * How many cases the property suites run, and from which seed. `npm test` runs a fixed seed
 * (deterministic cases: the same plans every run); `npm run fuzz` sets STEPCHART_PROPERTY_RUNS high
 * and STEPCHART_PROPERTY_SEED to "random". On failure fast-check prints the seed and the path of
 * the shrunk counterexample; replay it with
 * `STEPCHART_PROPERTY_SEED=<seed> STEPCHART_PROPERTY_PATH=<path> npx vitest run test/property`.
 */
import fc from "fast-check";

/** Cases across the property suites in `npm test`. */
const DEFAULT_RUNS = 2_000;
const DEFAULT_SEED = 20_260_521;

function total(): number {
  const raw = process.env.STEPCHART_PROPERTY_RUNS;
  const n = raw === undefined || raw === "" ? DEFAULT_RUNS : Number(raw);
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`STEPCHART_PROPERTY_RUNS must be a positive integer, got ${raw}`);
  return n;
}

/** This suite's share of the cases (at least one). */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(total() * share));
}

const seed: number = (() => {
  const raw = process.env.STEPCHART_PROPERTY_SEED;
  if (raw === undefined || raw === "") return DEFAULT_SEED;
  if (raw === "random") return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`STEPCHART_PROPERTY_SEED must be an integer or "random", got ${raw}`);
  return n;
})();

/** The vitest budget of a suite of `runs` cases: about 100 ms a case, never under two minutes. */
export function timeoutFor(runs: number): number {
  return Math.max(120_000, runs * 100);
}

/**
 * Runs a property. Shrinking a counterexample whose run hangs costs the generated run timeout per
 * try, so it is cut short before vitest's own timeout: fast-check then reports the smallest
 * counterexample found so far, with the seed, instead of vitest reporting a bare timeout.
 */
export async function assertProperty<T>(arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>, runs: number) {
  const path = process.env.STEPCHART_PROPERTY_PATH;
  await fc.assert(fc.asyncProperty(arbitrary, check), {
    seed,
    numRuns: runs,
    ...(path ? { path } : {}),
    interruptAfterTimeLimit: timeoutFor(runs) - 15_000,
    markInterruptAsFailure: true,
  });
}
