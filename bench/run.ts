/**
 * stepchart benchmark: stepchart vs bare async vs raw XState, side by side in one process.
 * `npm run bench` (full) or `npm run bench -- --quick` (smoke test: fewer reps, no 100k fan-out);
 * `-- --soak` runs only the soak (e), a one-million-step run's live heap.
 * Needs `global.gc` for the heap figures: without `--expose-gc` it re-runs itself with it.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import {
  fmt,
  fmtStats,
  hasGc,
  heapAfterGc,
  interleave,
  ratio,
  type Stats,
  stats,
  stepHook,
  table,
  timeSequential,
  type Workload,
} from "./lib/measure.js";
import { bare } from "./workloads/bare.js";
import { chainWithStore, saveCosts } from "./workloads/checkpoint.js";
import { instantLoop } from "./workloads/loop.js";
import { type SoakRow, soak } from "./workloads/soak.js";
import { stepchart } from "./workloads/stepchart.js";
import { xstate } from "./workloads/xstate.js";

const quick = process.argv.includes("--quick");
const soakOnly = process.argv.includes("--soak");

if (!hasGc()) {
  if (process.env.STEPCHART_BENCH_CHILD) throw new Error("global.gc is still unavailable after --expose-gc");
  const args = ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), ...process.argv.slice(2)];
  const child = spawnSync(process.execPath, args, {
    stdio: "inherit",
    env: { ...process.env, STEPCHART_BENCH_CHILD: "1" },
  });
  process.exit(child.status ?? 1);
}

const cfg = quick
  ? { warm: 200, reps: 3, chainRuns: 200, fanWarm: 3, fanRuns: 2, sizes: [1_000, 10_000], concReps: 2 }
  : { warm: 1_000, reps: 7, chainRuns: 1_000, fanWarm: 10, fanRuns: 5, sizes: [1_000, 10_000, 100_000], concReps: 5 };
const CONCURRENT = 1_000;
const FAN = 1_000;
const TARGET = { usPerStep: 15, fanoutMs: 25, kbPerRun: 10, linearSlack: 1.5, soakGrowthMb: 1 };
const SOAK_MARKS = quick ? [10_000, 50_000, 100_000] : [100_000, 500_000, 1_000_000];

const workloads = [stepchart, bare, xstate] as const;
const noop = () => {};

/** Result of one workload in one section. */
interface Row {
  readonly w: Workload;
  readonly s: Stats;
}

// ---- (a) 10-step chain, sequential runs ------------------------------------------------------
async function chainSection(): Promise<Row[]> {
  for (const w of workloads) await timeSequential(() => w.chain(), cfg.warm);
  const jobs = workloads.map((w) => () => timeSequential(() => w.chain(), cfg.chainRuns));
  const res = await interleave(jobs, cfg.reps, (ms) => (ms * 1000) / (cfg.chainRuns * 10));
  return workloads.map((w, i) => ({ w, s: res[i]! }));
}

// ---- (b) fan-out 1000 jobs over 4 workers, and stepchart linearity ---------------------------
async function fanoutSection(): Promise<Row[]> {
  for (const w of workloads) await timeSequential(() => w.fanout(FAN), cfg.fanWarm);
  const jobs = workloads.map((w) => () => timeSequential(() => w.fanout(FAN), cfg.fanRuns));
  const res = await interleave(jobs, cfg.reps, (ms) => ms / cfg.fanRuns);
  return workloads.map((w, i) => ({ w, s: res[i]! }));
}

/** µs/event of stepchart fan-out at each size (1k reuses section (b); 10k median of 3; 100k once). */
async function linearity(fan1k: Stats): Promise<{ n: number; s: Stats }[]> {
  const out = [{ n: FAN, s: scale(fan1k, 1000 / FAN) }];
  for (const n of cfg.sizes.filter((n) => n !== FAN)) {
    await stepchart.fanout(n); // builds and validates the workflow, warms the size
    const reps = n >= 100_000 ? 1 : 3;
    const samples: number[] = [];
    for (let r = 0; r < reps; r++) samples.push(((await timeSequential(() => stepchart.fanout(n), 1)) * 1000) / n);
    out.push({ n, s: stats(samples) });
  }
  return out;
}

const scale = (s: Stats, k: number): Stats => ({ median: s.median * k, min: s.min * k, max: s.max * k });

// ---- (c) 1000 concurrent chain runs: wall time and live heap per in-flight run ---------------
async function concurrent(w: Workload, onDone: () => void = noop): Promise<void> {
  await Promise.all(Array.from({ length: CONCURRENT }, () => w.chain().then(onDone)));
}

async function concurrentSection(): Promise<Row[]> {
  for (const w of workloads) await concurrent(w);
  const jobs = workloads.map((w) => async () => {
    const t0 = performance.now();
    await concurrent(w);
    return performance.now() - t0;
  });
  const res = await interleave(jobs, cfg.concReps, (ms) => ms);
  return workloads.map((w, i) => ({ w, s: res[i]! }));
}

/** Heap after gc, sampled inside the 5000th of 10000 step calls, minus the idle heap, per run. */
async function heapPerRun(w: Workload): Promise<{ kb: number; inFlight: number }> {
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

// ---- table ----------------------------------------------------------------------------------
const yes = (ok: boolean) => (ok ? "✅ yes" : "❌ no");

function rows(label: string, res: Row[], unit: string, target?: { text: string; ok: (x: number) => boolean }) {
  const bareM = res.find((r) => r.w === bare)!.s.median;
  const xsM = res.find((r) => r.w === xstate)!.s.median;
  return res.map(({ w, s }) => {
    const t = w === stepchart && target;
    return [label, w.name, `${fmtStats(s)} ${unit}`, ratio(s.median, bareM), ratio(s.median, xsM)].concat(
      t ? [t.text, yes(t.ok(s.median))] : ["", ""],
    );
  });
}

// ---- (e) soak: one long run keeps its live heap flat ------------------------------------------
async function soakSection(): Promise<void> {
  const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024)} MB`;
  const variants: [string, SoakRow[]][] = [
    ["(e) one run, a loop step", await soak(SOAK_MARKS, false)],
    ["(e) one run, a loop step writing to the stream (no reader)", await soak(SOAK_MARKS, true)],
  ];
  const last = SOAK_MARKS.at(-1)!.toLocaleString("en");
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

async function main(): Promise<void> {
  const xsVersion = (createRequire(import.meta.url)("xstate/package.json") as { version: string }).version;
  console.log(`# stepchart benchmark${quick ? " (--quick)" : ""}\n`);
  console.log(
    `node ${process.version}, xstate ${xsVersion}, ${cpus()[0]?.model ?? "?"} ×${cpus().length}, ` +
      `${new Date().toISOString()}\n` +
      `(a) ${cfg.reps} reps × ${cfg.chainRuns} sequential runs after ${cfg.warm} warm-up runs; ` +
      `(b) ${cfg.reps} reps × ${cfg.fanRuns} runs; (c) ${cfg.concReps} reps of ${CONCURRENT} runs. ` +
      `Values: median (min–max).\n`,
  );

  const a = await chainSection();
  const b = await fanoutSection();
  const lin = await linearity(b.find((r) => r.w === stepchart)!.s);
  const c = await concurrentSection();
  const heap = new Map<Workload, { kb: number; inFlight: number }>();
  for (const w of workloads) heap.set(w, await heapPerRun(w));

  const out = [
    ...rows("(a) 10-step chain", a, "µs/step", {
      text: `≤ ${TARGET.usPerStep} µs/step`,
      ok: (x) => x <= TARGET.usPerStep,
    }),
    ...rows(`(b) fan-out ${FAN} jobs, 4 workers`, b, "ms/run", {
      text: `≤ ${TARGET.fanoutMs} ms`,
      ok: (x) => x <= TARGET.fanoutMs,
    }),
  ];
  const base1k = lin[0]!.s.median;
  for (const { n, s } of lin) {
    const grow = s.median / base1k;
    const cell = n === FAN ? fmtStats(s) : s.min === s.max ? fmt(s.median) : fmtStats(s);
    out.push([
      `(b) linearity, fan-out ${n.toLocaleString("en")}`,
      stepchart.name,
      `${cell} µs/event (${fmt(grow)}× the 1k µs/event)`,
      "",
      "",
      `≤ ${TARGET.linearSlack}× the 1k µs/event`,
      yes(grow <= TARGET.linearSlack),
    ]);
  }
  out.push(...rows(`(c) ${CONCURRENT} concurrent chains, total`, c, "ms"));
  const hb = heap.get(bare)!.kb;
  const hx = heap.get(xstate)!.kb;
  for (const w of workloads) {
    const { kb, inFlight } = heap.get(w)!;
    out.push([
      `(c) live heap per in-flight run`,
      w.name,
      `${fmt(kb)} KB (${inFlight}/${CONCURRENT} in flight at sample)`,
      ratio(kb, hb),
      ratio(kb, hx),
      w === stepchart ? `≤ ${TARGET.kbPerRun} KB` : "",
      w === stepchart ? yes(kb <= TARGET.kbPerRun) : "",
    ]);
  }
  console.log(table(["benchmark", "implementation", "measured", "vs bare", "vs raw XState", "target", "met"], out));

  // (d) checkpointing: no baseline to compare with, so its own small table.
  const saves = await saveCosts(quick ? 50 : 300);
  const chains = await chainWithStore(quick ? 100 : 500);
  const plain = chains[0]!.s.median;
  console.log(
    `\n(d) checkpoint cost per store (${quick ? 50 : 300} saves of each snapshot; ${quick ? 100 : 500} chain runs each)\n`,
  );
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
  await soakSection();
  await loopSection(a.find((r) => r.w === stepchart)?.s.median ?? Number.NaN);
  console.log(
    "\nNotes: every workload checks its result and throws on a wrong answer. Raw XState fan-out keeps at most 4 " +
      "children in flight (like numWorkers: 4). Heap = heapUsed after gc() inside the 5000th of 10000 step calls, " +
      `minus heapUsed after warm-up and gc(), divided by ${CONCURRENT}.` +
      (quick ? " --quick: fewer reps, no 100k fan-out; numbers are indicative only." : ""),
  );
}

// ---- (f) a long loop of instant steps: what yielding to the event loop costs -------------------
async function loopSection(chainUsPerStep: number): Promise<void> {
  const steps = quick ? 20_000 : 100_000;
  const { usPerStep, maxTimerLagMs, ticks } = await instantLoop(steps);
  console.log(
    `\n(f) one run of ${steps.toLocaleString("en")} instant steps (no I/O): the runtime yields to the event loop ` +
      "after ~4 ms of step starts, so a 1 ms timer keeps firing while it runs\n",
  );
  console.log(
    table(
      ["loop", "measured", "vs 10-step chain", "1 ms timer", "target", "met"],
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

if (soakOnly) await soakSection();
else await main();
