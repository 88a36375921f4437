/**
 * (d) The cost of checkpointing, per store: one `save` of a run's snapshot (small: a run waiting
 * for input; large: a fan-out with 500 events buffered), and a 10-step chain run with a store
 * against the same chain without one. Measures the built package, like the other workloads.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import type * as Stepchart from "../../src/index.js";
import type * as Postgres from "../../src/persistence/postgres-store.js";
import type * as Sqlite from "../../src/persistence/sqlite-store.js";
import { type Stats, stats } from "../lib/measure.js";
import { chain10 } from "./stepchart.js";

const built = "../../dist/index.js";
const builtSqlite = "../../dist/stores/sqlite.js";
const builtPostgres = "../../dist/stores/postgres.js";
const sc = (await import(built)) as typeof Stepchart;
const { SqliteStore } = (await import(builtSqlite)) as typeof Sqlite;
const { PostgresStore } = (await import(builtPostgres)) as typeof Postgres;

/** A store to measure, made fresh, and how to dispose of it. */
export interface StoreUnderTest {
  readonly name: string;
  make(): Promise<{ store: Stepchart.WorkflowStore; dispose(): Promise<void> }>;
}

/** MemoryStore, SqliteStore, and PostgresStore when `STEPCHART_PG_URL` names a server. */
export function storesUnderTest(): StoreUnderTest[] {
  const url = process.env.STEPCHART_PG_URL;
  const postgres: StoreUnderTest[] = url
    ? [
        {
          name: "PostgresStore",
          make: async () => {
            const schema = `bench_${process.pid}_${Date.now()}`;
            const store = new PostgresStore({ connectionString: url, schema });
            return { store, dispose: () => store.close() };
          },
        },
      ]
    : [];
  return [
    ...postgres,
    { name: "MemoryStore", make: async () => ({ store: new sc.MemoryStore(), dispose: async () => undefined }) },
    {
      name: "SqliteStore",
      make: async () => {
        const dir = mkdtempSync(join(tmpdir(), "stepchart-bench-"));
        const store = new SqliteStore({ path: join(dir, "runs.db") });
        return {
          store,
          dispose: async () => {
            store.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

const Job = sc.defineEvent("BenchJob", { i: z.number() });

async function snapshots(): Promise<{ small: Stepchart.WorkflowSnapshot; large: Stepchart.WorkflowSnapshot }> {
  const ask = sc
    .workflow({ name: "bench-ask" })
    .step("ask", { accepts: sc.StartEvent, emits: [sc.InputRequiredEvent] }, async () =>
      sc.InputRequiredEvent({ prefix: "ok?" }),
    )
    .step("answer", { accepts: sc.HumanResponseEvent, emits: [sc.StopEvent] }, async () => sc.StopEvent({ result: 1 }));
  const small = ask.run();
  small.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 5));
  const smallSnapshot = small.snapshot();
  small.cancel();
  await small.catch(() => undefined);

  const fan = sc
    .workflow({ name: "bench-fan", timeout: null })
    .step("start", { accepts: sc.StartEvent, emits: [Job] }, async (ctx) => {
      for (let i = 0; i < 500; i++) ctx.sendEvent(Job({ i }));
      // Keeps the run waiting (not stalled) while its snapshot is taken, with 500 events buffered.
      await ctx.waitForEvent(sc.HumanResponseEvent);
    })
    .step("gather", { accepts: Job, emits: [sc.StopEvent] }, async (ctx, ev) =>
      ctx.collectEvents(ev, { BenchJob: 1000 }) ? sc.StopEvent({ result: 1 }) : null,
    );
  const large = fan.run();
  large.catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const largeSnapshot = large.snapshot();
  large.cancel();
  await large.catch(() => undefined);
  return { small: smallSnapshot, large: largeSnapshot };
}

/** Median ms of one `save` of each snapshot, per store. */
export async function saveCosts(reps: number): Promise<{ store: string; size: string; bytes: number; s: Stats }[]> {
  const snaps = await snapshots();
  const out: { store: string; size: string; bytes: number; s: Stats }[] = [];
  for (const under of storesUnderTest()) {
    const { store, dispose } = await under.make();
    for (const [size, snapshot] of Object.entries(snaps)) {
      await store.save(snapshot, { owner: "bench", create: true });
      const samples: number[] = [];
      for (let i = 0; i < reps; i++) {
        const t = performance.now();
        await store.save(snapshot, { owner: "bench" });
        samples.push(performance.now() - t);
      }
      out.push({ store: under.name, size, bytes: JSON.stringify(snapshot).length, s: stats(samples) });
    }
    await dispose();
  }
  return out;
}

/** Median ms per 10-step chain run: without a store, then with each store. */
export async function chainWithStore(runs: number): Promise<{ store: string; s: Stats }[]> {
  const time = async (options: () => object) => {
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await chain10.run({ v: 0 }, options());
      samples.push(performance.now() - t);
    }
    return stats(samples);
  };
  const out = [{ store: "no store", s: await time(() => ({})) }];
  for (const under of storesUnderTest()) {
    const { store, dispose } = await under.make();
    let n = 0;
    out.push({ store: under.name, s: await time(() => ({ store, runId: `bench-${n++}` })) });
    await dispose();
  }
  return out;
}
