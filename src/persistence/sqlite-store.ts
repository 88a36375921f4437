import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type Database from "better-sqlite3";
import { WorkflowError, WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { loadDriver } from "./driver.js";
import { checkClaim, checkSave, type FencedRow, isFinished } from "./fencing.js";
import type { RunStatus, WorkflowSnapshot } from "./snapshot.js";
import {
  type ClaimOptions,
  type DeliveredEvent,
  type Lease,
  type ListFilter,
  listedStatus,
  noSuchRun,
  parseStored,
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
  status: RunStatus;
  lease_owner: string | null;
  lease_expires: number | null;
  epoch: number;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS stepchart_runs (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires INTEGER,
    epoch INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX IF NOT EXISTS stepchart_runs_status ON stepchart_runs (status, workflow);
  CREATE TABLE IF NOT EXISTS stepchart_inbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS stepchart_inbox_run ON stepchart_inbox (run_id, id);`;

const SELECT_RUN = "SELECT snapshot, status, lease_owner, lease_expires, epoch FROM stepchart_runs WHERE run_id = ?";

/**
 * Runs in an embedded SQLite database (better-sqlite3 12, WAL): one row per run holding its latest
 * snapshot (which carries its pending work: in-flight steps, queues, waiters), lease and epoch,
 * written in one transaction, plus a table of events delivered from other processes. Several
 * processes on one host can share the file.
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
  readonly #file: string;
  /** This store created the file, and has saved nothing in it yet. */
  #fresh: boolean;
  readonly #tx: {
    save: (snapshot: WorkflowSnapshot, options: SaveOptions, now: number) => void;
    claim: (runId: string, owner: string, now: number, options?: ClaimOptions) => StoredRun | undefined;
  };

  constructor(options: SqliteStoreOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    const opened = open(options.path);
    const db = opened.db;
    this.#db = db;
    this.#file = opened.file;
    this.#fresh = opened.created;
    db.pragma("journal_mode = WAL");
    // WAL with NORMAL survives a killed process (only a power loss can take the last commits).
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    db.exec(SCHEMA);
    // A database written by an earlier version has no epochs yet.
    const columns = db.prepare<[], { name: string }>("PRAGMA table_info(stepchart_runs)").all();
    if (!columns.some((c) => c.name === "epoch"))
      db.exec("ALTER TABLE stepchart_runs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0");
    const getRow = db.prepare<[string], RunRow>(SELECT_RUN);
    const upsert = db.prepare(
      `INSERT INTO stepchart_runs (run_id, workflow, status, saved_at, snapshot, lease_owner, lease_expires, epoch)
       VALUES (@runId, @workflow, @status, @savedAt, @snapshot, @owner, @expires, @epoch)
       ON CONFLICT (run_id) DO UPDATE SET workflow = excluded.workflow, status = excluded.status,
         saved_at = excluded.saved_at, snapshot = excluded.snapshot,
         lease_owner = excluded.lease_owner, lease_expires = excluded.lease_expires, epoch = excluded.epoch`,
    );
    const setLease = db.prepare(
      "UPDATE stepchart_runs SET lease_owner = ?, lease_expires = ?, epoch = ? WHERE run_id = ?",
    );
    const clearInbox = db.prepare("DELETE FROM stepchart_inbox WHERE run_id = ? AND id <= ?");
    const dropInbox = db.prepare("DELETE FROM stepchart_inbox WHERE run_id = ?");
    this.#tx = {
      save: db.transaction((snapshot: WorkflowSnapshot, options: SaveOptions, now: number) => {
        const row = getRow.get(snapshot.runId);
        const epoch = checkSave(snapshot.runId, row && fenced(row), snapshot.status, options, now);
        upsert.run({
          runId: snapshot.runId,
          workflow: snapshot.workflow,
          status: snapshot.status,
          savedAt: snapshot.savedAt,
          snapshot: JSON.stringify(snapshot),
          owner: options.release ? null : options.owner,
          expires: options.release ? null : now + this.leaseMs,
          epoch,
        });
        // A finished run takes no more events: what is still waiting can never be applied.
        if (isFinished(snapshot.status)) dropInbox.run(snapshot.runId);
        else if (options.acknowledge !== undefined) clearInbox.run(snapshot.runId, options.acknowledge);
      }),
      claim: db.transaction((runId: string, owner: string, now: number, options?: ClaimOptions) => {
        const row = getRow.get(runId);
        if (!row) return undefined;
        const snapshot = parseStored<WorkflowSnapshot>(runId, row.snapshot, "snapshot", this.description);
        const epoch = checkClaim(runId, fenced(row), owner, now, options);
        if (epoch === undefined) return { snapshot, lease: leaseOf(row) };
        const lease = { owner, expiresAt: now + this.leaseMs, epoch };
        setLease.run(owner, lease.expiresAt, epoch, runId);
        return { snapshot, lease };
      }),
    };
  }

  /**
   * `the SQLite database /srv/runs.db`; while this store has saved nothing in a file it created,
   * the message says so (a mistyped path opens a new, empty database).
   */
  get description(): string {
    const where =
      this.#file === ":memory:" ? "a private in-memory SQLite database" : `the SQLite database ${this.#file}`;
    return this.#fresh ? `${where} (created empty by this store when it opened it: is the path right?)` : where;
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    this.#tx.save(snapshot, options, Date.now());
    this.#fresh = false;
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    const row = this.#db.prepare<[string], RunRow>(SELECT_RUN).get(runId);
    if (!row) return undefined;
    return { snapshot: parseStored(runId, row.snapshot, "snapshot", this.description), lease: leaseOf(row) };
  }

  async claim(runId: string, owner: string, options?: ClaimOptions): Promise<StoredRun | undefined> {
    return this.#tx.claim(runId, owner, Date.now(), options);
  }

  async renew(runId: string, owner: string, epoch?: number): Promise<boolean> {
    const result = this.#db
      .prepare(
        "UPDATE stepchart_runs SET lease_expires = ? WHERE run_id = ? AND lease_owner = ? AND (? IS NULL OR epoch = ?)",
      )
      .run(Date.now() + this.leaseMs, runId, owner, epoch ?? null, epoch ?? null);
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
      .prepare<[], { run_id: string; workflow: string; saved_at: string } & Omit<RunRow, "snapshot">>(
        "SELECT run_id, workflow, status, saved_at, lease_owner, lease_expires, epoch FROM stepchart_runs ORDER BY saved_at DESC",
      )
      .all();
    const now = Date.now();
    const out: RunSummary[] = [];
    for (const row of rows) {
      const status = listedStatus(row.status, leaseOf(row), now);
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
    const run = this.#db
      .prepare<[string], { status: string }>("SELECT status FROM stepchart_runs WHERE run_id = ?")
      .get(runId);
    if (!run) throw new WorkflowStateError(noSuchRun(runId, this.description));
    if (isFinished(run.status))
      throw new WorkflowStateError(`Run "${runId}" has ended (${run.status}); it takes no more events`);
    this.#db.prepare("INSERT INTO stepchart_inbox (run_id, event) VALUES (?, ?)").run(runId, JSON.stringify(event));
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    const row = this.#db.prepare<[string], RunRow>(SELECT_RUN).get(runId);
    if (!row || row.lease_owner !== owner) return [];
    return this.#db
      .prepare<[string], { id: number; event: string }>(
        "SELECT id, event FROM stepchart_inbox WHERE run_id = ? ORDER BY id",
      )
      .all(runId)
      .map((r) => ({ seq: r.id, event: parseStored<AnyEvent>(runId, r.event, "event", this.description) }));
  }

  /** Closes the database. */
  close(): void {
    this.#db.close();
  }
}

/** Opens the database file; a path that cannot be opened is a `WorkflowError` naming it. */
function open(path: string): { db: Database.Database; file: string; created: boolean } {
  const Driver = loadDriver<typeof Database>("better-sqlite3", "SqliteStore", "npm install better-sqlite3@12");
  if (path === ":memory:") return { db: new Driver(path), file: path, created: false };
  const file = resolve(path);
  const created = !existsSync(file);
  try {
    return { db: new Driver(file), file, created };
  } catch (error) {
    throw new WorkflowError("STORE", `SqliteStore cannot open the database ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function fenced(row: RunRow): FencedRow {
  return { status: row.status, lease: leaseOf(row), epoch: row.epoch };
}

function leaseOf(row: { lease_owner: string | null; lease_expires: number | null; epoch: number }): Lease | null {
  return row.lease_owner === null
    ? null
    : { owner: row.lease_owner, expiresAt: row.lease_expires ?? 0, epoch: row.epoch };
}
