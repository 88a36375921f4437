/**
 * (g) The server load bench's tables: times and CPU per run over HTTP and in-process, and the
 * server's memory. Printed by bench/lib/server-load.ts.
 */
import { fmt, fmtStats, ratio, type Stats, stats, table } from "../lib/measure.js";
import type { LoadFlow } from "./server-flows.js";
import { type Pass, quantile } from "./server-pass.js";

/** A timed pass and the CPU it took: the server's over HTTP (and the client's), this process's in-process. */
export interface Measured {
  readonly pass: Pass;
  readonly cpuMs: number;
  readonly clientCpuMs?: number;
}

/** The passes of each row. */
export interface Rows {
  readonly http: Map<LoadFlow, Measured[]>;
  readonly local: Map<LoadFlow, Measured[]>;
  /** The stream flow over 1,000 new connections. */
  readonly cold: Measured[];
}

export interface HeapFigures {
  /** Bytes per open stream in the server, its run included, over repeated samples. */
  readonly http: Stats;
  /** Bytes per held run with a reader, in-process. */
  readonly inProcess: number;
  /** Growth of the idle server heap per run served (ended runs it keeps). */
  readonly growthPerRun: number;
  readonly served: number;
}

/**
 * A row's figures over the rounds: runs/s, the median of each round's p50 and p99 (ms), and the
 * median CPU ms per run (the client's apart).
 */
interface Figures {
  readonly perSecond: Stats;
  readonly first: readonly [number, number];
  readonly result: readonly [number, number];
  readonly cpu: number;
  readonly clientCpu: number;
}

/** The `at` quantile of one pass's times to the first event or to the result. */
const timeQuantile = (pass: Pass, pick: "firstMs" | "resultMs", at: number) =>
  quantile(
    pass.runs.map((r) => r[pick]),
    at,
  );

function figures(measured: readonly Measured[]): Figures {
  const passes = measured.map((m) => m.pass);
  const q = (pick: "firstMs" | "resultMs", at: number) => stats(passes.map((p) => timeQuantile(p, pick, at))).median;
  const perRun = (ms: (m: Measured) => number) => stats(measured.map((m) => ms(m) / m.pass.runs.length)).median;
  return {
    perSecond: stats(passes.map((p) => p.runs.length / (p.wallMs / 1000))),
    first: [q("firstMs", 0.5), q("firstMs", 0.99)],
    result: [q("resultMs", 0.5), q("resultMs", 0.99)],
    cpu: perRun((m) => m.cpuMs),
    clientCpu: perRun((m) => m.clientCpuMs ?? Number.NaN),
  };
}

const described: Record<LoadFlow["name"], string> = {
  stream: "stream: 3 items + stop",
  ask: "ask: 3 items, prompt, answer, 1 item + stop",
};

function timingRows(rows: Rows): string[][] {
  const ms = ([p50, p99]: readonly [number, number]) => `${fmt(p50)} / ${fmt(p99)} ms`;
  const row = (flow: LoadFlow, where: string, f: Figures) => [
    described[flow.name],
    where,
    fmtStats(f.perSecond, 0),
    ms(f.first),
    ms(f.result),
    Number.isNaN(f.clientCpu) ? `${fmt(f.cpu, 3)} ms` : `server ${fmt(f.cpu, 3)} ms (client ${fmt(f.clientCpu, 3)} ms)`,
  ];
  const out: string[][] = [];
  for (const flow of [...rows.http.keys()]) {
    const h = figures(rows.http.get(flow) ?? []);
    const l = figures(rows.local.get(flow) ?? []);
    out.push(row(flow, `HTTP + SSE, open connections${flow.asks ? ", answer by POST /events" : ""}`, h));
    if (!flow.asks) out.push(row(flow, "HTTP + SSE, new connections", figures(rows.cold)));
    out.push(row(flow, `in-process${flow.asks ? ", answer by sendEvent" : ""}`, l));
    out.push([
      described[flow.name],
      "HTTP ÷ in-process",
      ratio(h.perSecond.median, l.perSecond.median),
      `${ratio(h.first[0], l.first[0])} / ${ratio(h.first[1], l.first[1])}`,
      `${ratio(h.result[0], l.result[0])} / ${ratio(h.result[1], l.result[1])}`,
      `server ${ratio(h.cpu, l.cpu)}`,
    ]);
  }
  return out;
}

export function printServerLoad(runs: number, reps: number, rows: Rows, heap: HeapFigures): void {
  const n = runs.toLocaleString("en");
  console.log(
    `\n(g) server load: ${n} runs started at once over HTTP (POST /workflows/{name}/run-nowait), each streamed ` +
      "over SSE from its first item to its end (GET /events/{id}?after_sequence=-1), every item, position and " +
      `result (GET /results/{id}) checked; beside the same ${n} runs in-process (handler.streamEvents()). Server: ` +
      `dist/server.js in a child process on 127.0.0.1, this process the client (node:http). ${reps} round(s) after ` +
      "a warm-up pass of each; runs/s median (min–max) over the rounds, p50 / p99 the median of the rounds' own, " +
      "in ms from the run's start (its POST, or run()). Open connections: the client holds one keep-alive " +
      "connection per stream (and one per answer) before the pass; new: it connects as it goes. CPU per run: the " +
      "server process's (user + system) during the pass over HTTP, the client's apart; this process's in-process.\n",
  );
  console.log(
    table(
      ["(g) workflow", "where", "runs/s", "first event p50 / p99", "result p50 / p99", "CPU per run"],
      timingRows(rows),
    ),
  );
  const kb = (bytes: number) => `${fmt(bytes / 1024)} KB`;
  const samples = reps === 1 ? "once" : `median (min–max) of ${reps}`;
  console.log(
    `\n(g) server memory: heapUsed after gc. Held: ${n} ask runs at their prompt, all ${n} streams open, minus ` +
      `the heap with no connection open, per run (${samples}). ` +
      `Idle growth: the idle heap after the rounds minus before, per run served (${heap.served.toLocaleString("en")}).\n`,
  );
  const held = heap.http;
  console.log(
    table(
      ["(g) memory", "measured", "vs in-process"],
      [
        [
          "server heap per open SSE stream, its run included",
          reps === 1 ? kb(held.median) : `${kb(held.median)} (${kb(held.min)}–${kb(held.max)})`,
          ratio(held.median, heap.inProcess),
        ],
        ["in-process heap per held run with a streamEvents() reader", kb(heap.inProcess), "1.00×"],
        ["idle server heap growth per run served (ended runs kept)", kb(heap.growthPerRun), ""],
      ],
    ),
  );
}
