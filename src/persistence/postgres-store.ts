import pg from "pg";
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
 * Options of `new PostgresStore()`.
 *
 * @example
 * ```ts
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL, leaseMs: 30_000 });
 * ```
 */
export interface PostgresStoreOptions {
  /** A PostgreSQL URL (`postgres://user@host:5432/db`). */
  readonly connectionString?: string | undefined;
  /** An existing pool to use instead (the store does not end it). */
  readonly pool?: pg.Pool;
  /** The PostgreSQL schema holding the tables (created if missing). @default "public" */
  readonly schema?: string;
  /** Lease length in ms (default 15 000). */
  readonly leaseMs?: number;
}

interface RunRow {
  snapshot: string;
  lease_owner: string | null;
  lease_expires: string | null;
}

function ddl(schema: string): string {
  return `
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE IF NOT EXISTS ${schema}.stepchart_runs (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires BIGINT
  );
  CREATE INDEX IF NOT EXISTS stepchart_runs_status ON ${schema}.stepchart_runs (status, workflow);
  CREATE TABLE IF NOT EXISTS ${schema}.stepchart_inbox (
    id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS stepchart_inbox_run ON ${schema}.stepchart_inbox (run_id, id);`;
}

/**
 * Runs in PostgreSQL, for several processes on several hosts: one row per run (its latest
 * snapshot, which carries its pending work, and its lease), each write a transaction holding the
 * run's row lock, and a table of events delivered by any process. The tables are created on first
 * use.
 *
 * @example
 * ```ts
 * import { PostgresStore } from "stepchart/stores/postgres";
 * const store = new PostgresStore({ connectionString: process.env.DATABASE_URL });
 * const handler = wf.run(input, { store, runId: "order-7" });
 * // any process, any host:
 * await wf.sendEvent("order-7", HumanResponseEvent({ response: "yes" }), { store });
 * ```
 */
export class PostgresStore implements WorkflowStore {
  readonly leaseMs: number;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #runs: string;
  readonly #inbox: string;
  readonly #schemaName: string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.#ownsPool = !options.pool;
    this.#pool = options.pool ?? new pg.Pool({ connectionString: options.connectionString, max: 4 });
    // An idle connection the server drops must not crash the process; the next query reconnects.
    if (this.#ownsPool) this.#pool.on("error", () => undefined);
    const name = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new WorkflowStateError(`Invalid PostgreSQL schema name "${name}"`);
    this.#schemaName = name;
    this.#runs = `${name}.stepchart_runs`;
    this.#inbox = `${name}.stepchart_inbox`;
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    await this.#transaction(async (db) => {
      const now = await dbNow(db);
      const row = await lockRow(db, this.#runs, snapshot.runId);
      if (row && options.create) throw new WorkflowStateError(`Run "${snapshot.runId}" already exists in the store`);
      if (row) checkOwner(snapshot.runId, row, options.owner, now);
      const values = [
        snapshot.runId,
        snapshot.workflow,
        snapshot.status,
        snapshot.savedAt,
        JSON.stringify(snapshot),
        options.release ? null : options.owner,
        options.release ? null : now + this.leaseMs,
      ];
      if (row) {
        await db.query(
          `UPDATE ${this.#runs} SET workflow = $2, status = $3, saved_at = $4, snapshot = $5,
             lease_owner = $6, lease_expires = $7 WHERE run_id = $1`,
          values,
        );
        if (options.acknowledge !== undefined)
          await db.query(`DELETE FROM ${this.#inbox} WHERE run_id = $1 AND id <= $2`, [
            snapshot.runId,
            options.acknowledge,
          ]);
        return;
      }
      const inserted = await db.query(
        `INSERT INTO ${this.#runs} (run_id, workflow, status, saved_at, snapshot, lease_owner, lease_expires)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (run_id) DO NOTHING`,
        values,
      );
      // Another process created it between our read and our insert.
      if (inserted.rowCount === 0) throw new WorkflowStateError(`Run "${snapshot.runId}" already exists in the store`);
    });
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    await this.#schema();
    const { rows } = await this.#pool.query<RunRow>(
      `SELECT snapshot, lease_owner, lease_expires FROM ${this.#runs} WHERE run_id = $1`,
      [runId],
    );
    const row = rows[0];
    return row ? { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease: leaseOf(row) } : undefined;
  }

  async claim(runId: string, owner: string): Promise<StoredRun | undefined> {
    return this.#transaction(async (db) => {
      const now = await dbNow(db);
      const row = await lockRow(db, this.#runs, runId);
      if (!row) return undefined;
      checkOwner(runId, row, owner, now);
      const lease = { owner, expiresAt: now + this.leaseMs };
      await db.query(`UPDATE ${this.#runs} SET lease_owner = $2, lease_expires = $3 WHERE run_id = $1`, [
        runId,
        owner,
        lease.expiresAt,
      ]);
      return { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease };
    });
  }

  async renew(runId: string, owner: string): Promise<boolean> {
    await this.#schema();
    const result = await this.#pool.query(
      `UPDATE ${this.#runs} SET lease_expires = ${NOW_MS} + $3 WHERE run_id = $1 AND lease_owner = $2`,
      [runId, owner, this.leaseMs],
    );
    return result.rowCount === 1;
  }

  async release(runId: string, owner: string): Promise<void> {
    await this.#schema();
    await this.#pool.query(
      `UPDATE ${this.#runs} SET lease_owner = NULL, lease_expires = NULL WHERE run_id = $1 AND lease_owner = $2`,
      [runId, owner],
    );
  }

  async list(filter: ListFilter = {}): Promise<RunSummary[]> {
    await this.#schema();
    const { rows } = await this.#pool.query<{
      run_id: string;
      workflow: string;
      status: string;
      saved_at: string;
      lease_owner: string | null;
      lease_expires: string | null;
    }>(
      `SELECT run_id, workflow, status, saved_at, lease_owner, lease_expires FROM ${this.#runs}
       WHERE ($1::text IS NULL OR workflow = $1) ORDER BY saved_at DESC`,
      [filter.workflow ?? null],
    );
    const now = await dbNow(this.#pool);
    const out: RunSummary[] = [];
    for (const row of rows) {
      const status = listedStatus({ snapshot: { status: row.status } as WorkflowSnapshot, lease: leaseOf(row) }, now);
      if (filter.status && filter.status !== status) continue;
      out.push({ runId: row.run_id, workflow: row.workflow, status, savedAt: row.saved_at });
    }
    return out;
  }

  async delete(runId: string): Promise<void> {
    await this.#transaction(async (db) => {
      await db.query(`DELETE FROM ${this.#runs} WHERE run_id = $1`, [runId]);
      await db.query(`DELETE FROM ${this.#inbox} WHERE run_id = $1`, [runId]);
    });
  }

  async deliver(runId: string, event: AnyEvent): Promise<void> {
    await this.#schema();
    const result = await this.#pool.query(
      `INSERT INTO ${this.#inbox} (run_id, event)
       SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM ${this.#runs} WHERE run_id = $1)`,
      [runId, JSON.stringify(event)],
    );
    if (result.rowCount === 0) throw new WorkflowStateError(`There is no run "${runId}" in the store`);
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    await this.#schema();
    const { rows } = await this.#pool.query<{ id: string; event: string }>(
      `SELECT i.id, i.event FROM ${this.#inbox} i JOIN ${this.#runs} r ON r.run_id = i.run_id
       WHERE i.run_id = $1 AND r.lease_owner = $2 ORDER BY i.id`,
      [runId, owner],
    );
    return rows.map((r) => ({ seq: Number(r.id), event: JSON.parse(r.event) as AnyEvent }));
  }

  /** Ends the store's own connection pool (not a pool that was passed in). */
  async close(): Promise<void> {
    if (this.#ownsPool) await this.#pool.end();
  }

  /** Creates the tables once; an advisory lock keeps concurrent first uses from racing. */
  #schema(): Promise<void> {
    this.#ready ??= (async () => {
      const db = await this.#pool.connect();
      try {
        await db.query("BEGIN");
        await db.query("SELECT pg_advisory_xact_lock(742600)");
        await db.query(ddl(this.#schemaName));
        await db.query("COMMIT");
      } catch (error) {
        await db.query("ROLLBACK").catch(() => undefined);
        this.#ready = undefined;
        throw error;
      } finally {
        db.release();
      }
    })();
    return this.#ready;
  }

  async #transaction<T>(work: (db: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.#schema();
    const db = await this.#pool.connect();
    try {
      await db.query("BEGIN");
      const result = await work(db);
      await db.query("COMMIT");
      return result;
    } catch (error) {
      await db.query("ROLLBACK").catch(() => undefined);
      throw error;
    } finally {
      db.release();
    }
  }
}

/**
 * Lease times come from the database's clock, not each host's: two hosts with skewed clocks must
 * agree on whether a lease is live.
 */
const NOW_MS = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint";

async function dbNow(db: pg.Pool | pg.PoolClient): Promise<number> {
  const { rows } = await db.query<{ now: string }>(`SELECT ${NOW_MS} AS now`);
  return Number(rows[0]?.now);
}

async function lockRow(db: pg.PoolClient, runs: string, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(
    `SELECT snapshot, lease_owner, lease_expires FROM ${runs} WHERE run_id = $1 FOR UPDATE`,
    [runId],
  );
  return rows[0];
}

function checkOwner(runId: string, row: RunRow, owner: string, now: number): void {
  const expires = row.lease_expires === null ? 0 : Number(row.lease_expires);
  if (row.lease_owner !== null && row.lease_owner !== owner && expires > now)
    throw new WorkflowStateError(
      `Run "${runId}" is held by another live runner (lease until ${new Date(expires).toISOString()})`,
    );
}

function leaseOf(row: { lease_owner: string | null; lease_expires: string | null }): Lease | null {
  return row.lease_owner === null ? null : { owner: row.lease_owner, expiresAt: Number(row.lease_expires ?? 0) };
}
