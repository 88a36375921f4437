/**
 * The performance targets (issue 11). The VM's speed varies 2× between hours, so every timing target
 * is a ratio to the workflow-core baseline measured in the same run; only the heap and the soak
 * are absolute (bytes do not drift with the clock).
 */
import { fmt, type Stats, table } from "./measure.js";

/** At most `factor` times the workflow-core median of the same run, written as `text`. */
export interface Factor {
  readonly factor: number;
  readonly text: string;
}

export const TARGET = {
  /** stepchart (statechart) chain µs/step vs workflow-core's. */
  statechartChain: { factor: 0.9, text: "0.9×" } as Factor,
  /** stepchart (statechart) fan-out ms vs workflow-core's (1k jobs, 4 workers). */
  statechartFanout: { factor: 1, text: "1×" } as Factor,
  /** stepchart (compact) chain µs/step vs workflow-core's. */
  compactChain: { factor: 1 / 3, text: "1/3×" } as Factor,
  /** stepchart (compact) fan-out ms vs workflow-core's. */
  compactFanout: { factor: 1 / 2, text: "1/2×" } as Factor,
  /** stepchart (statechart) fan-out µs/event at 100k ≤ this × at 1k. */
  linearSlack: 1.5,
  /** stepchart (statechart) live heap per in-flight chain run, KB. */
  kbPerRun: 12,
  /** Live-heap growth of one long run between its first and last soak marks, MB. */
  soakGrowthMb: 1,
} as const;

export const yes = (ok: boolean): string => (ok ? "✅ yes" : "❌ no");

/** What a row must meet: its text for the table, and the check of its median. */
export interface Target {
  readonly text: string;
  ok(median: number): boolean;
}

/** One target's outcome, for the summary table. */
export interface Verdict {
  readonly what: string;
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const BASE = "workflow-core";

/** A row's target "≤ k× workflow-core (limit unit)": met when its median is at most k × the base's median. */
export function vsCore(k: Factor, base: Stats, unit: string): Target {
  const limit = k.factor * base.median;
  return { text: `≤ ${k.text} ${BASE} (${fmt(limit)} ${unit})`, ok: (x) => x <= limit };
}

/** The summary's verdict on a "≤ k× workflow-core" target: the measured ratio and both medians. */
export function vsCoreVerdict(what: string, k: Factor, x: Stats, base: Stats, unit: string): Verdict {
  const r = x.median / base.median;
  return {
    what,
    target: `≤ ${k.text} ${BASE}`,
    measured: `${fmt(r)}× (${fmt(x.median)} vs ${fmt(base.median)} ${unit})`,
    met: r <= k.factor,
  };
}

export function summary(verdicts: readonly Verdict[]): string {
  return table(
    ["target", "required", "measured in this run", "met"],
    verdicts.map((v) => [v.what, v.target, v.measured, yes(v.met)]),
  );
}
