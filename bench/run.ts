/**
 * stepchart benchmark: stepchart (both machine shapes) vs workflow-core, bare async and raw XState,
 * side by side in one process. `npm run bench` (full) or `npm run bench -- --quick` (smoke test:
 * fewer reps, no 100k fan-out); `-- --soak` runs only the soak (e), a one-million-step run's live heap;
 * `-- --server` runs only the server load (g): 1,000 runs over HTTP + SSE at once, beside in-process;
 * `-- --tracing` only the tracing cost (h).
 * Needs `global.gc` for the heap figures: without `--expose-gc` it re-runs itself with it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import {
  CONCURRENT,
  chainSection,
  concurrentSection,
  FAN,
  fanoutSection,
  type HeapSample,
  heapPerRun,
  type LinearPoint,
  linearity,
  type Results,
} from "./lib/compare.js";
import { fmt, fmtStats, hasGc, ratio, table, type Workload } from "./lib/measure.js";
import { serverLoadSection } from "./lib/server-load.js";
import { checkpointSection, loopSection, soakSection, tracingSection } from "./lib/stepchart-only.js";
import { summary, TARGET, type Target, type Verdict, vsCore, vsCoreVerdict, yes } from "./lib/targets.js";
import { bare } from "./workloads/bare.js";
import { stepchart, stepchartCompact } from "./workloads/stepchart.js";
import { workflowCore } from "./workloads/workflow-core.js";
import { xstate } from "./workloads/xstate.js";

const quick = process.argv.includes("--quick");
const soakOnly = process.argv.includes("--soak");
const serverOnly = process.argv.includes("--server");
const tracingOnly = process.argv.includes("--tracing");

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
/** workflow-core's fan-out grows faster than linearly (see its workload): never run at 100k, 10k only in full. */
const coreSizes = quick ? [FAN] : cfg.sizes.filter((n) => n <= 10_000);
const SOAK_MARKS = quick ? [10_000, 30_000, 50_000] : [100_000, 500_000, 1_000_000];

const workloads = [stepchart, stepchartCompact, workflowCore, bare, xstate] as const;
const baselines = [bare, xstate, workflowCore] as const;

/** One table row per workload: its median (min–max), its ratio to each baseline, its target if any. */
function rows(label: string, res: Results, unit: string, targets: Map<Workload, Target>): string[][] {
  return workloads.map((w) => {
    const s = res.get(w)!;
    const t = targets.get(w);
    return [
      label,
      w.name,
      `${fmtStats(s)} ${unit}`,
      ...baselines.map((b) => ratio(s.median, res.get(b)!.median)),
      t?.text ?? "",
      t ? yes(t.ok(s.median)) : "",
    ];
  });
}

/** Fan-out µs/event by size for both stepchart shapes and workflow-core; the target is statechart's. */
async function linearSection(b: Results): Promise<{ rows: string[][]; statechart: LinearPoint[] }> {
  const curves: [Workload, LinearPoint[]][] = [];
  for (const w of [stepchart, stepchartCompact, workflowCore]) {
    curves.push([w, await linearity(w, b.get(w)!, w === workflowCore ? coreSizes : cfg.sizes)]);
  }
  const out: string[][] = [];
  for (const n of cfg.sizes) {
    for (const [w, points] of curves) {
      const label = `(b) linearity, fan-out ${n.toLocaleString("en")}`;
      const p = points.find((p) => p.n === n);
      if (!p) {
        const why = quick ? "not run in --quick" : "not run: super-linear past 10k (one run at 100k took 26 s)";
        out.push([label, w.name, why, "", "", "", "", ""]);
        continue;
      }
      const grow = p.s.median / points[0]!.s.median;
      const cell = p.s.min === p.s.max ? fmt(p.s.median) : fmtStats(p.s);
      const target = w === stepchart && n !== FAN;
      out.push([
        label,
        w.name,
        `${cell} µs/event (${fmt(grow)}× the 1k µs/event)`,
        "",
        "",
        "",
        target ? `≤ ${TARGET.linearSlack}× the 1k µs/event` : "",
        target ? yes(grow <= TARGET.linearSlack) : "",
      ]);
    }
  }
  return { rows: out, statechart: curves[0]![1] };
}

function heapRows(heap: Map<Workload, HeapSample>): string[][] {
  return workloads.map((w) => {
    const { kb, inFlight } = heap.get(w)!;
    const target = w === stepchart;
    return [
      "(c) live heap per in-flight run",
      w.name,
      `${fmt(kb)} KB (${inFlight}/${CONCURRENT} in flight at sample)`,
      ...baselines.map((b) => ratio(kb, heap.get(b)!.kb)),
      target ? `≤ ${TARGET.kbPerRun} KB` : "",
      target ? yes(kb <= TARGET.kbPerRun) : "",
    ];
  });
}

/** Every target of sections (a)–(c), as ratios of this run's medians. */
function verdicts(a: Results, b: Results, lin: LinearPoint[], heapKb: number): Verdict[] {
  const coreA = a.get(workflowCore)!;
  const coreB = b.get(workflowCore)!;
  const last = lin.at(-1)!;
  const grow = last.s.median / lin[0]!.s.median;
  const at = `${fmt(grow)}× at ${last.n.toLocaleString("en")}${last.n < 100_000 ? " (no 100k in --quick)" : ""}`;
  return [
    vsCoreVerdict("(a) chain, statechart", TARGET.statechartChain, a.get(stepchart)!, coreA, "µs/step"),
    vsCoreVerdict("(b) fan-out 1k, statechart", TARGET.statechartFanout, b.get(stepchart)!, coreB, "ms"),
    {
      what: "(b) fan-out linear, statechart",
      target: `≤ ${TARGET.linearSlack}× the 1k µs/event at 100k`,
      measured: at,
      met: grow <= TARGET.linearSlack,
    },
    {
      what: "(c) heap per in-flight run, statechart",
      target: `≤ ${TARGET.kbPerRun} KB`,
      measured: `${fmt(heapKb)} KB`,
      met: heapKb <= TARGET.kbPerRun,
    },
    vsCoreVerdict("(a) chain, compact", TARGET.compactChain, a.get(stepchartCompact)!, coreA, "µs/step"),
    vsCoreVerdict("(b) fan-out 1k, compact", TARGET.compactFanout, b.get(stepchartCompact)!, coreB, "ms"),
  ];
}

/** A dependency's installed version (read from disk: workflow-core does not export its package.json). */
function versionOf(pkg: string): string {
  const path = fileURLToPath(new URL(`../node_modules/${pkg}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
}

async function main(): Promise<void> {
  console.log(`# stepchart benchmark${quick ? " (--quick)" : ""}\n`);
  console.log(
    `node ${process.version}, xstate ${versionOf("xstate")}, @llamaindex/workflow-core ` +
      `${versionOf("@llamaindex/workflow-core")}, ${cpus()[0]?.model ?? "?"} ×${cpus().length}, ` +
      `${new Date().toISOString()}\n` +
      `(a) ${cfg.reps} reps × ${cfg.chainRuns} sequential runs after ${cfg.warm} warm-up runs; ` +
      `(b) ${cfg.reps} reps × ${cfg.fanRuns} runs; (c) ${cfg.concReps} reps of ${CONCURRENT} runs. ` +
      `Values: median (min–max).\n`,
  );

  const a = await chainSection(workloads, cfg);
  const b = await fanoutSection(workloads, cfg);
  const lin = await linearSection(b);
  const c = await concurrentSection(workloads, cfg);
  const heap = new Map<Workload, HeapSample>();
  for (const w of workloads) heap.set(w, await heapPerRun(w));

  const coreA = a.get(workflowCore)!;
  const coreB = b.get(workflowCore)!;
  const chainTargets = new Map([
    [stepchart, vsCore(TARGET.statechartChain, coreA, "µs/step")],
    [stepchartCompact, vsCore(TARGET.compactChain, coreA, "µs/step")],
  ]);
  const fanoutTargets = new Map([
    [stepchart, vsCore(TARGET.statechartFanout, coreB, "ms")],
    [stepchartCompact, vsCore(TARGET.compactFanout, coreB, "ms")],
  ]);
  const out = [
    ...rows("(a) 10-step chain", a, "µs/step", chainTargets),
    ...rows(`(b) fan-out ${FAN} jobs, 4 workers`, b, "ms/run", fanoutTargets),
    ...lin.rows,
    ...rows(`(c) ${CONCURRENT} concurrent chains, total`, c, "ms", new Map()),
    ...heapRows(heap),
  ];
  const headers = ["benchmark", "implementation", "measured", "vs bare", "vs raw XState", "vs workflow-core"];
  console.log(table([...headers, "target", "met"], out));
  console.log("\nTargets (ratios of medians measured in this run; the VM's speed varies 2× between runs)\n");
  console.log(summary(verdicts(a, b, lin.statechart, heap.get(stepchart)!.kb)));

  await checkpointSection(quick);
  await soakSection(SOAK_MARKS);
  await loopSection(quick, a.get(stepchart)?.median ?? Number.NaN);
  await tracingSection(quick);
  await serverLoadSection(quick);
  console.log(
    "\nNotes: every workload checks its result and throws on a wrong answer. Raw XState fan-out keeps at most 4 " +
      "children in flight (like numWorkers: 4); workflow-core has no numWorkers, so all its jobs start at once, " +
      "and its gather handler counts through its withState middleware. Heap = heapUsed after gc() inside the 5000th " +
      `of 10000 step calls, minus heapUsed after warm-up and gc(), divided by ${CONCURRENT}.` +
      (quick ? " --quick: fewer reps, no 100k fan-out; numbers are indicative only." : ""),
  );
}

if (soakOnly) await soakSection(SOAK_MARKS);
else if (serverOnly) await serverLoadSection(quick);
else if (tracingOnly) await tracingSection(quick);
else await main();
