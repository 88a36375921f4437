/**
 * (g) Server load (issue 12): 1,000 runs started over HTTP at once and streamed over SSE, every
 * item and result checked, beside the same 1,000 runs in-process. The server is the built
 * `stepchart/server` in a child process (server-child.ts); this process is the client. Not a
 * test: figures only, and a throw if anything is lost.
 */
import { type ChildProcess, fork } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { askFlow, type LoadFlow, streamFlow } from "../workloads/server-flows.js";
import { checkResults, httpPass, httpRuns, LoadClient } from "../workloads/server-http.js";
import { inProcessPass } from "../workloads/server-inprocess.js";
import { allHeld, Hold } from "../workloads/server-pass.js";
import { type HeapFigures, type Measured, printServerLoad, type Rows } from "../workloads/server-report.js";
import { heapAfterGc, stats } from "./measure.js";
import type { ChildMessage } from "./server-child.js";

const RUNS = 1_000;
const flows = [streamFlow, askFlow] as const;

/** The server child: its port, its heap after gc, its CPU ms so far, and closing it (waits for it to exit). */
interface ServerChild {
  readonly port: number;
  heap(): Promise<number>;
  cpu(): Promise<number>;
  close(): Promise<void>;
}

function nextMessage<K extends ChildMessage["kind"]>(
  child: ChildProcess,
  kind: K,
): Promise<ChildMessage & { kind: K }> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ChildMessage) => {
      if (message.kind !== kind) return;
      child.off("message", onMessage).off("exit", onExit);
      resolve(message as ChildMessage & { kind: K });
    };
    const onExit = (code: number | null) => reject(new Error(`the server child exited (${code}) before "${kind}"`));
    child.on("message", onMessage).once("exit", onExit);
  });
}

async function startChild(): Promise<ServerChild> {
  const script = fileURLToPath(new URL("./server-child.ts", import.meta.url));
  const child = fork(script, [], { execArgv: ["--expose-gc", "--import", "tsx"], stdio: "inherit" });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const { port } = await nextMessage(child, "listening");
  return {
    port,
    heap: async () => {
      const reply = nextMessage(child, "heap");
      child.send("heap");
      return (await reply).heapUsed;
    },
    cpu: async () => {
      const reply = nextMessage(child, "cpu");
      child.send("cpu");
      return (await reply).ms;
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send("close");
      const timer = setTimeout(() => child.kill(), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
};

/** `RUNS` runs of `flow` over HTTP, timed, with the CPU each side took; results checked after. */
async function timedHttp(child: ServerChild, client: LoadClient, flow: LoadFlow): Promise<Measured> {
  const server = await child.cpu();
  const here = process.cpuUsage();
  const pass = await httpRuns(client, flow, RUNS);
  const clientCpuMs = cpuMsSince(here);
  const cpuMs = (await child.cpu()) - server;
  await checkResults(client, flow, pass);
  return { pass, cpuMs, clientCpuMs };
}

/** `RUNS` runs of `flow` in this process, timed, with the CPU they took. */
async function timedLocal(flow: LoadFlow): Promise<Measured> {
  const here = process.cpuUsage();
  const pass = await inProcessPass(flow, RUNS);
  return { pass, cpuMs: cpuMsSince(here) };
}

/** The server's heap after gc with no connection open (closed ones given time to go). */
async function idleHeap(child: ServerChild, ...clients: LoadClient[]): Promise<number> {
  for (const client of clients) client.close();
  await sleep(300);
  return child.heap();
}

/** Heap per held run over HTTP: `RUNS` ask runs at their prompt, all their streams open at once. */
async function heldHttp(child: ServerChild): Promise<number> {
  const idle = await idleHeap(child);
  const client = new LoadClient(child.port);
  const hold = new Hold(RUNS);
  const pass = httpPass(client, askFlow, RUNS, hold);
  await allHeld(hold, pass);
  const held = await child.heap();
  hold.release();
  await pass;
  client.close();
  return (held - idle) / RUNS;
}

/** The same in this process, each run read by `handler.streamEvents()`. */
async function heldInProcess(): Promise<number> {
  const idle = heapAfterGc();
  const hold = new Hold(RUNS);
  const pass = inProcessPass(askFlow, RUNS, hold);
  await allHeld(hold, pass);
  const held = heapAfterGc();
  hold.release();
  await pass;
  return (held - idle) / RUNS;
}

/**
 * (g) Warms up, then `reps` rounds: each flow over HTTP on open connections, then in-process,
 * then the stream flow on 1,000 new connections; then the held heap. Prints the tables.
 */
export async function serverLoadSection(quick: boolean): Promise<void> {
  const reps = quick ? 1 : 3;
  const child = await startChild();
  const clients: LoadClient[] = [];
  /** A new pool of connections per pass, so each pass starts from the same state. */
  const pool = () => {
    const client = new LoadClient(child.port);
    clients.push(client);
    return client;
  };
  try {
    for (const flow of flows) {
      await httpPass(pool(), flow, RUNS);
      await inProcessPass(flow, RUNS);
    }
    const idleBefore = await idleHeap(child, ...clients);
    const rows: Rows = { http: new Map(), local: new Map(), cold: [] };
    for (const flow of flows) {
      rows.http.set(flow, []);
      rows.local.set(flow, []);
    }
    for (let r = 0; r < reps; r++) {
      for (const flow of flows) {
        // Open keep-alive connections, as clients that have talked to the server before: one per
        // stream, and for the ask flow one more per run for its answer (as a browser opens a second).
        const client = pool();
        await client.fill(flow.asks ? 2 * RUNS : RUNS);
        rows.http.get(flow)?.push(await timedHttp(child, client, flow));
        client.close();
        rows.local.get(flow)?.push(await timedLocal(flow));
      }
      rows.cold.push(await timedHttp(child, pool(), streamFlow));
    }
    const idleAfter = await idleHeap(child, ...clients);
    const served = reps * (flows.length + 1) * RUNS;
    // Repeated: V8 keeps some tables at the largest size they reached, so one sample can read high.
    const held: number[] = [];
    for (let r = 0; r < reps; r++) held.push(await heldHttp(child));
    const heap: HeapFigures = {
      http: stats(held),
      inProcess: await heldInProcess(),
      growthPerRun: (idleAfter - idleBefore) / served,
      served,
    };
    printServerLoad(RUNS, reps, rows, heap);
  } finally {
    for (const client of clients) client.close();
    await child.close();
  }
}
