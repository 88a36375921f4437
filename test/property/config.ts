/**
 * How many cases the property suites run, and from which seed. `npm test` runs a fixed seed
 * (deterministic); `npm run fuzz` sets STEPCHART_PROPERTY_RUNS high and STEPCHART_PROPERTY_SEED to
 * "random". A failure message from fast-check names the seed and the path to replay it with:
 * `STEPCHART_PROPERTY_SEED=<seed> npx vitest run test/property`.
 */

/** Cases across the property suites in `npm test`. */
const DEFAULT_RUNS = 1_000;
const DEFAULT_SEED = 20_260_521;

function total(): number {
  const raw = process.env.STEPCHART_PROPERTY_RUNS;
  const n = raw === undefined || raw === "" ? DEFAULT_RUNS : Number(raw);
  if (!(Number.isInteger(n) && n > 0))
    throw new Error(`STEPCHART_PROPERTY_RUNS must be a positive integer, got ${raw}`);
  return n;
}

/** This suite's share of the cases (`share` of the total, at least one). */
export function runsFor(share: number): number {
  return Math.max(1, Math.round(total() * share));
}

export const propertySeed: number = (() => {
  const raw = process.env.STEPCHART_PROPERTY_SEED;
  if (raw === undefined || raw === "") return DEFAULT_SEED;
  if (raw === "random") return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`STEPCHART_PROPERTY_SEED must be an integer or "random", got ${raw}`);
  return n;
})();

/** A generous per-test budget: about 100 ms a case, never under a minute. */
export function timeoutFor(runs: number): number {
  return Math.max(60_000, runs * 100);
}
