import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { StartEvent, StopEvent, WorkflowStateError, workflow } from "../../src/index.js";
import { PostgresStore } from "../../src/persistence/postgres-store.js";
import { freshSchema, pgSkipReason, pgUrl } from "./pg.js";
import { describeStoreContract } from "./store-contract.js";

const stores: PostgresStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

describe.skipIf(!pgUrl)(`PostgresStore${pgSkipReason}`, () => {
  // Each store gets its own schema: the same database, no shared rows.
  const schemas = new Map<unknown, string>();
  describeStoreContract(
    "PostgresStore",
    async (leaseMs) => {
      const schema = freshSchema();
      const store = new PostgresStore({
        connectionString: pgUrl,
        schema,
        ...(leaseMs === undefined ? {} : { leaseMs }),
      });
      stores.push(store);
      schemas.set(store, schema);
      return store;
    },
    async (store, runId) => {
      // Another program (or a disk fault) wrote the row.
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`UPDATE ${schemas.get(store)}.stepchart_runs SET snapshot = $1 WHERE run_id = $2`, [
        '{"version":1,"machine":',
        runId,
      ]);
      await client.end();
    },
  );

  it("lets exactly one of two racing creators have a new run id", async () => {
    const schema = freshSchema();
    const a = new PostgresStore({ connectionString: pgUrl, schema });
    const b = new PostgresStore({ connectionString: pgUrl, schema });
    stores.push(a, b);
    const snapshot = {
      version: 1,
      workflow: "w",
      definitionHash: "h",
      runId: "race",
      status: "running",
      savedAt: new Date().toISOString(),
      machine: {},
    } as never;
    const results = await Promise.allSettled([
      a.save(snapshot, { owner: "a", create: true }),
      b.save(snapshot, { owner: "b", create: true }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
  });

  it("names its schema and server when a run is not there, never the password", async () => {
    const url = new URL(pgUrl as string);
    url.password = "s3cret";
    const schema = freshSchema();
    const store = new PostgresStore({ connectionString: url.toString(), schema });
    stores.push(store);
    url.password = "";
    const where = `the PostgreSQL schema "${schema}" at ${url.toString()}`;
    expect(store.description).toBe(where);
    const wf = workflow({ name: "orders" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: 1 }),
    );
    await expect(wf.resume("order-7", { store })).rejects.toThrow(
      new WorkflowStateError(`There is no run "order-7" in ${where}`),
    );
  });
});
