import Database from "better-sqlite3";
import { WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { WorkflowSnapshot } from "./snapshot.js";
import {
  type DeliveredEvent,
  type Lease,
  type ListFilter,
  listedStatus,
  type RunSummary,
  type SaveOptions,
  type StoredRun,
  type WorkflowStore,
} from "./store.js";

/**
 * Options of `new SqliteStore()`.
 *
 * @example
 * ```ts
 * const store = new SqliteStore({ path: "runs.db", leaseMs: 30_000 });
 * ```
 */
export interface SqliteStoreOptions {
  /** The database file (created if missing); `":memory:"` for a private in-memory database. */
  readonly path: string;
  /** Lease length in ms (default 15 000). */
  readonly leaseMs?: number;
}

interface RunRow {
  snapshot: string;
  lease_owner: string | null;
  lease_expires: number | null;
}

/**
 * Runs in an embedded SQLite database (better-sqlite3 12, WAL): one row per run holding its latest
 * snapshot (which carries its pending work: in-flight steps, queues, waiters) and lease, written
 * in one transaction, plus a table of events delivered from other processes. Several processes on
 * one host can share the file.
 *
 * @example
 * ```ts
 * import { SqliteStore } from "stepchart/stores/sqlite";
 * const store = new SqliteStore({ path: "runs.db" });
 * const handler = wf.run(input, { store, runId: "order-7" });
 * // after a crash, in a new process:
 * for (const run of await store.list({ status: "interrupted" })) wf.resume(run.runId, { store });
 * ```
 */
export class SqliteStore implements WorkflowStore {
  readonly leaseMs: number;
  readonly #db: Database.Database;
  readonly #tx: {
    save: (snapshot: WorkflowSnapshot, options: SaveOptions, now: number) => void;
    claim: (runId: string, owner: string, now: number) => StoredRun | undefined;
  };

  constructor(options: SqliteStoreOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    const db = new Database(options.path);
    this.#db = db;
    db.pragma("journal_mode = WAL");
    // WAL with NORMAL survives a killed process (only a power loss can take the last commits).
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.exec(`
      CREATE TABLE IF NOT EXISTS stepchart_runs (
        run_id TEXT PRIMARY KEY,
        workflow TEXT NOT NULL,
        status TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        snapshot TEXT NOT NULL,
        lease_owner TEXT,
        lease_expires INTEGER
      );
      CREATE INDEX IF NOT EXISTS stepchart_runs_status ON stepchart_runs (status, workflow);
      CREATE TABLE IF NOT EXISTS stepchart_inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        event TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS stepchart_inbox_run ON stepchart_inbox (run_id, id);
    `);
    const getRow = db.prepare<[string], RunRow>(
      "SELECT snapshot, lease_owner, lease_expires FROM stepchart_runs WHERE run_id = ?",
    );
    const upsert = db.prepare(
      `INSERT INTO stepchart_runs (run_id, workflow, status, saved_at, snapshot, lease_owner, lease_expires)
       VALUES (@runId, @workflow, @status, @savedAt, @snapshot, @owner, @expires)
       ON CONFLICT (run_id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status,
         saved_at = excluded.saved_at, snapshot = excluded.snapshot,
         lease_owner = excluded.lease_owner, lease_expires = excluded.lease_expires`,
    );
    const setLease = db.prepare("UPDATE stepchart_runs SET lease_owner = ?, lease_expires = ? WHERE run_id = ?");
    const clearInbox = db.prepare("DELETE FROM stepchart_inbox WHERE run_id = ? AND id <= ?");
    const checkOwner = (runId: string, row: RunRow, owner: string, now: number) => {
      if (row.lease_owner !== null && row.lease_owner !== owner && (row.lease_expires ?? 0) > now)
        throw new WorkflowStateError(
          `Run "${runId}" is held by another live runner (lease until ${new Date(row.lease_expires ?? 0).toISOString()})`,
        );
    };
    this.#tx = {
      save: db.transaction((snapshot: WorkflowSnapshot, options: SaveOptions, now: number) => {
        const row = getRow.get(snapshot.runId);
        if (row && options.create) throw new WorkflowStateError(`Run "${snapshot.runId}" already exists in the store`);
        if (row) checkOwner(snapshot.runId, row, options.owner, now);
        upsert.run({
          runId: snapshot.runId,
          workflow: snapshot.workflow,
          status: snapshot.status,
          savedAt: snapshot.savedAt,
          snapshot: JSON.stringify(snapshot),
          owner: options.release ? null : options.owner,
          expires: options.release ? null : now + this.leaseMs,
        });
        if (options.acknowledge !== undefined) clearInbox.run(snapshot.runId, options.acknowledge);
      }),
      claim: db.transaction((runId: string, owner: string, now: number) => {
        const row = getRow.get(runId);
        if (!row) return undefined;
        checkOwner(runId, row, owner, now);
        const lease = { owner, expiresAt: now + this.leaseMs };
        setLease.run(owner, lease.expiresAt, runId);
        return { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease };
      }),
    };
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    this.#tx.save(snapshot, options, Date.now());
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    const row = this.#db
      .prepare<[string], RunRow>("SELECT snapshot, lease_owner, lease_expires FROM stepchart_runs WHERE run_id = ?")
      .get(runId);
    return row ? { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease: leaseOf(row) } : undefined;
  }

  async claim(runId: string, owner: string): Promise<StoredRun | undefined> {
    return this.#tx.claim(runId, owner, Date.now());
  }

  async renew(runId: string, owner: string): Promise<boolean> {
    const result = this.#db
      .prepare("UPDATE stepchart_runs SET lease_expires = ? WHERE run_id = ? AND lease_owner = ?")
      .run(Date.now() + this.leaseMs, runId, owner);
    return result.changes === 1;
  }

  async release(runId: string, owner: string): Promise<void> {
    this.#db
      .prepare(
        "UPDATE stepchart_runs SET lease_owner = NULL, lease_expires = NULL WHERE run_id = ? AND lease_owner = ?",
      )
      .run(runId, owner);
  }

  async list(filter: ListFilter = {}): Promise<RunSummary[]> {
    const rows = this.#db
      .prepare<[], { run_id: string; workflow: string; status: string; saved_at: string } & RunRow>(
        "SELECT run_id, workflow, status, saved_at, lease_owner, lease_expires, '' AS snapshot FROM stepchart_runs ORDER BY saved_at DESC",
      )
      .all();
    const now = Date.now();
    const out: RunSummary[] = [];
    for (const row of rows) {
      const snapshot = { status: row.status } as WorkflowSnapshot;
      const status = listedStatus({ snapshot, lease: leaseOf(row) }, now);
      if (filter.status && filter.status !== status) continue;
      if (filter.workflow && filter.workflow !== row.workflow) continue;
      out.push({ runId: row.run_id, workflow: row.workflow, status, savedAt: row.saved_at });
    }
    return out;
  }

  async delete(runId: string): Promise<void> {
    this.#db.prepare("DELETE FROM stepchart_runs WHERE run_id = ?").run(runId);
    this.#db.prepare("DELETE FROM stepchart_inbox WHERE run_id = ?").run(runId);
  }

  async deliver(runId: string, event: AnyEvent): Promise<void> {
    const known = this.#db.prepare("SELECT 1 FROM stepchart_runs WHERE run_id = ?").get(runId);
    if (!known) throw new WorkflowStateError(`There is no run "${runId}" in the store`);
    this.#db.prepare("INSERT INTO stepchart_inbox (run_id, event) VALUES (?, ?)").run(runId, JSON.stringify(event));
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    const row = this.#db
      .prepare<[string], RunRow>("SELECT snapshot, lease_owner, lease_expires FROM stepchart_runs WHERE run_id = ?")
      .get(runId);
    if (!row || row.lease_owner !== owner) return [];
    return this.#db
      .prepare<[string], { id: number; event: string }>(
        "SELECT id, event FROM stepchart_inbox WHERE run_id = ? ORDER BY id",
      )
      .all(runId)
      .map((r) => ({ seq: r.id, event: JSON.parse(r.event) as AnyEvent }));
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}

function leaseOf(row: { lease_owner: string | null; lease_expires: number | null }): Lease | null {
  return row.lease_owner === null ? null : { owner: row.lease_owner, expiresAt: row.lease_expires ?? 0 };
}
