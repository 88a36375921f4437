import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { describeStoreContract } from "./store-contract.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-sqlite-"));
const stores: SqliteStore[] = [];
let n = 0;
afterAll(() => {
  for (const store of stores) store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each test gets its own database file, as a real deployment would.
describeStoreContract("SqliteStore", async (leaseMs) => {
  const store = new SqliteStore({ path: join(dir, `runs-${n++}.db`), ...(leaseMs === undefined ? {} : { leaseMs }) });
  stores.push(store);
  return store;
});
