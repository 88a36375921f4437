/**
 * Sections (d)–(f) and (h): stepchart on its own (no baseline has checkpoints, long runs or yielding to
 * compare with), each printed as its own small table. They use the default machine shape.
 */
import { chainWithStore, saveCosts } from "../workloads/checkpoint.js";
import { instantLoop } from "../workloads/loop.js";
import { type SoakRow, soak } from "../workloads/soak.js";
import { tracingCosts } from "../workloads/tracing.js";
import { fmt, fmtStats, ratio, table } from "./measure.js";
import { TARGET, yes } from "./targets.js";

/** (d) one save per store and snapshot size, and a chain run saved as it goes against no store. */
export async function checkpointSection(quick: boolean): Promise<void> {
  const saveReps = quick ? 50 : 300;
  const chainRuns = quick ? 100 : 500;
  const saves = await saveCosts(saveReps);
  const chains = await chainWithStore(chainRuns);
  const plain = chains[0]!.s.median;
  console.log(`\n(d) checkpoint cost per store (${saveReps} saves of each snapshot; ${chainRuns} chain runs each)\n`);
  console.log(
    table(
      ["checkpoint", "store", "measured", "vs no store"],
      [
        ...saves.map(({ store, size, bytes, s }) => [
          `(d) one save, ${size} snapshot (${(bytes / 1024).toFixed(1)} KB)`,
          store,
          `${fmtStats(s, 3)} ms`,
          "",
        ]),
        ...chains.map(({ store, s }) => [
          "(d) 10-step chain run, saved as it goes",
          store,
          `${fmtStats(s, 3)} ms/run`,
          ratio(s.median, plain),
        ]),
      ],
    ),
  );
}

/** (e) soak: one long run keeps its live heap flat. */
export async function soakSection(marks: readonly number[]): Promise<void> {
  const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;
  const variants: [string, SoakRow[]][] = [
    ["(e) one run, a loop step", await soak(marks, false)],
    ["(e) one run, a loop step writing to the stream (no reader)", await soak(marks, true)],
  ];
  const last = marks.at(-1)!.toLocaleString("en");
  console.log(
    `\n(e) soak: live heap of one ${last}-step run while it runs (heapUsed after gc inside the step at each mark, ` +
      `minus heapUsed after gc before the run; default retention, handler held; a full gc every 10,000 steps)\n`,
  );
  const out: string[][] = [];
  for (const [label, rows] of variants) {
    const first = rows[0]!;
    for (const row of rows) {
      const growth = row.bytes - first.bytes;
      const isLast = row === rows.at(-1);
      out.push([
        label,
        row.steps.toLocaleString("en"),
        mb(row.bytes),
        row === first ? "" : `${mb(growth)} (${fmt(growth / (row.steps - first.steps))} B/step)`,
        isLast ? `≤ ${TARGET.soakGrowthMb} MB growth` : "",
        isLast ? yes(growth <= TARGET.soakGrowthMb * 1024 * 1024) : "",
      ]);
    }
  }
  console.log(table(["soak", "steps", "live heap", "growth since the first mark", "target", "met"], out));
}

/** (f) a long loop of instant steps: what yielding to the event loop costs. */
export async function loopSection(quick: boolean, chainUsPerStep: number): Promise<void> {
  const steps = quick ? 20_000 : 100_000;
  const { usPerStep, maxTimerLagMs, ticks } = await instantLoop(steps);
  console.log(
    `\n(f) one run of ${steps.toLocaleString("en")} instant steps (no I/O): the runtime yields to the event loop ` +
      "after ~4 ms of step starts, so a 1 ms timer keeps firing while it runs\n",
  );
  console.log(
    table(
      ["loop", "measured", "vs 10-step chain (statechart)", "1 ms timer", "target", "met"],
      [
        [
          "(f) instant-step loop",
          `${fmt(usPerStep)} µs/step`,
          ratio(usPerStep, chainUsPerStep),
          `fired ${ticks}×, longest wait ${maxTimerLagMs.toFixed(1)} ms`,
          "timer never starved (wait ≤ 50 ms)",
          yes(maxTimerLagMs <= 50 && ticks > 0),
        ],
      ],
    ),
  );
}

/** (h) tracing: what `instrument: otelTracing()` adds to a 10-step chain, off, no-op and recording. */
export async function tracingSection(quick: boolean): Promise<void> {
  const runs = quick ? 200 : 1_000;
  const reps = quick ? 3 : 7;
  const rows = await tracingCosts(runs, reps);
  const off = rows[0]!.s.median;
  console.log(`\n(h) tracing cost (statechart shape, 10-step chain, ${runs} runs × ${reps} reps, interleaved)\n`);
  console.log(
    table(
      ["tracing", "variant", "measured", "vs no instrument"],
      rows.map(({ variant, s }) => ["(h) chain", variant, `${fmtStats(s)} µs/step`, ratio(s.median, off)]),
    ),
  );
}
