import { afterAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/persistence/postgres-store.js";
import { freshSchema, pgSkipReason, pgUrl } from "./pg.js";
import { describeStoreContract } from "./store-contract.js";

const stores: PostgresStore[] = [];
afterAll(async () => {
  for (const store of stores) await store.close();
});

describe.skipIf(!pgUrl)(`PostgresStore${pgSkipReason}`, () => {
  // Each store gets its own schema: the same database, no shared rows.
  describeStoreContract("PostgresStore", async (leaseMs) => {
    const store = new PostgresStore({
      connectionString: pgUrl,
      schema: freshSchema(),
      ...(leaseMs === undefined ? {} : { leaseMs }),
    });
    stores.push(store);
    return store;
  });

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
});
