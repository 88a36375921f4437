import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import {
  HumanResponseEvent,
  StartEvent,
  StopEvent,
  WorkflowError,
  WorkflowStateError,
  workflow,
} from "../../src/index.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-sqlite-"));
const stores = new Map<SqliteStore, string>();
let n = 0;
afterAll(() => {
  for (const store of stores.keys()) store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each test gets its own database file, as a real deployment would.
describeStoreContract(
  "SqliteStore",
  async (leaseMs) => {
    const path = join(dir, `runs-${n++}.db`);
    const store = new SqliteStore({ path, ...(leaseMs === undefined ? {} : { leaseMs }) });
    stores.set(store, path);
    return store;
  },
  async (store, runId) => {
    // Another program (or a disk fault) wrote the row.
    const db = new Database(stores.get(store as SqliteStore) as string);
    db.prepare("UPDATE stepchart_runs SET snapshot = ? WHERE run_id = ?").run('{"version":1,"machine":', runId);
    db.close();
  },
);

describe("SqliteStore: a path that is not what was meant", () => {
  const wf = workflow({ name: "orders" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () =>
    StopEvent({ result: 1 }),
  );

  it("names the database file when a run is not in it, and that this store just created it empty", async () => {
    const store = new SqliteStore({ path: join(dir, "runs-typo.db") }); // meant runs.db
    stores.set(store, "");
    const where = `the SQLite database ${join(dir, "runs-typo.db")} (created empty by this store when it opened it: is the path right?)`;
    await expect(wf.resume("order-7", { store })).rejects.toThrow(
      new WorkflowStateError(`There is no run "order-7" in ${where}`),
    );
    await expect(wf.sendEvent("order-7", HumanResponseEvent({ response: "y" }) as never, { store })).rejects.toThrow(
      `There is no run "order-7" in ${where}`,
    );
    // Once it holds runs, the file is what was meant.
    await wf.run(undefined, { store, runId: "order-8" });
    expect(store.description).toBe(`the SQLite database ${join(dir, "runs-typo.db")}`);
  });

  it("wraps a directory that does not exist in a WorkflowError naming the path", () => {
    const path = join(dir, "no-such-dir", "runs.db");
    let error: unknown;
    try {
      new SqliteStore({ path });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WorkflowError);
    expect(error).toMatchObject({ code: "STORE", cause: expect.any(TypeError) });
    expect((error as Error).message).toBe(
      `SqliteStore cannot open the database ${path}: Cannot open database because the directory does not exist`,
    );
  });
});
