import type pg from "pg";
import { WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { loadDriver } from "./driver.js";
import { checkClaim, checkSave, isFinished } from "./fencing.js";
import { checkSchemaName, ddl, fenced, leaseOf, NOW_MS, type RunRow, SELECT_RUN, safeUrl } from "./postgres-rows.js";
import type { WorkflowSnapshot } from "./snapshot.js";
import {
  type ClaimOptions,
  type DeliveredEvent,
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
  /** `the PostgreSQL schema "public" at postgres://user@host:5432/db` (never the password). */
  readonly description: string;
  readonly #pool: pg.Pool;
  readonly #ownsPool: boolean;
  readonly #runs: string;
  readonly #inbox: string;
  readonly #schemaName: string;
  #ready: Promise<void> | undefined;

  constructor(options: PostgresStoreOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.#ownsPool = !options.pool;
    if (options.pool) this.#pool = options.pool;
    else {
      const driver = loadDriver<typeof pg>("pg", "PostgresStore", "npm install pg@8");
      this.#pool = new driver.Pool({ connectionString: options.connectionString, max: 4 });
    }
    // An idle connection the server drops must not crash the process; the next query reconnects.
    if (this.#ownsPool) this.#pool.on("error", () => undefined);
    const name = checkSchemaName(options.schema ?? "public");
    this.#schemaName = name;
    this.description = `the PostgreSQL schema "${name}" ${options.pool ? "of the pool given to this store" : `at ${safeUrl(options.connectionString)}`}`;
    this.#runs = `${name}.stepchart_runs`;
    this.#inbox = `${name}.stepchart_inbox`;
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    await this.#transaction(async (db) => {
      const now = await dbNow(db);
      const runId = snapshot.runId;
      const row = await lockRow(db, this.#runs, runId);
      const epoch = checkSave(runId, row && fenced(row), snapshot.status, options, now);
      const values = [
        runId,
        snapshot.workflow,
        snapshot.status,
        snapshot.savedAt,
        JSON.stringify(snapshot),
        options.release ? null : options.owner,
        options.release ? null : now + this.leaseMs,
        epoch,
      ];
      if (!row) {
        const inserted = await db.query(
          `INSERT INTO ${this.#runs} (run_id, workflow, status, saved_at, snapshot, lease_owner, lease_expires, epoch)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (run_id) DO NOTHING`,
          values,
        );
        // Another process created it between our read and our insert.
        if (inserted.rowCount === 0) throw new WorkflowStateError(`Run "${runId}" already exists in the store`);
        return;
      }
      await db.query(
        `UPDATE ${this.#runs} SET workflow = $2, status = $3, saved_at = $4, snapshot = $5,
           lease_owner = $6, lease_expires = $7, epoch = $8 WHERE run_id = $1`,
        values,
      );
      // A finished run takes no more events: what is still waiting can never be applied.
      if (isFinished(snapshot.status)) await db.query(`DELETE FROM ${this.#inbox} WHERE run_id = $1`, [runId]);
      else if (options.acknowledge !== undefined)
        await db.query(`DELETE FROM ${this.#inbox} WHERE run_id = $1 AND id <= $2`, [runId, options.acknowledge]);
    });
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    await this.#schema();
    const { rows } = await this.#pool.query<RunRow>(`${SELECT_RUN(this.#runs)}`, [runId]);
    const row = rows[0];
    if (!row) return undefined;
    return { snapshot: parseStored(runId, row.snapshot, "snapshot", this.description), lease: leaseOf(row) };
  }

  async claim(runId: string, owner: string, options?: ClaimOptions): Promise<StoredRun | undefined> {
    return this.#transaction(async (db) => {
      const now = await dbNow(db);
      const row = await lockRow(db, this.#runs, runId);
      if (!row) return undefined;
      const snapshot = parseStored<WorkflowSnapshot>(runId, row.snapshot, "snapshot", this.description);
      const epoch = checkClaim(runId, fenced(row), owner, now, options);
      if (epoch === undefined) return { snapshot, lease: leaseOf(row) };
      const lease = { owner, expiresAt: now + this.leaseMs, epoch };
      await db.query(`UPDATE ${this.#runs} SET lease_owner = $2, lease_expires = $3, epoch = $4 WHERE run_id = $1`, [
        runId,
        owner,
        lease.expiresAt,
        epoch,
      ]);
      return { snapshot, lease };
    });
  }

  async renew(runId: string, owner: string, epoch?: number): Promise<boolean> {
    await this.#schema();
    const result = await this.#pool.query(
      `UPDATE ${this.#runs} SET lease_expires = ${NOW_MS} + $3
       WHERE run_id = $1 AND lease_owner = $2 AND ($4::bigint IS NULL OR epoch = $4::bigint)`,
      [runId, owner, this.leaseMs, epoch ?? null],
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
    const { rows } = await this.#pool.query<
      { run_id: string; workflow: string; saved_at: string } & Omit<RunRow, "snapshot">
    >(
      `SELECT run_id, workflow, status, saved_at, lease_owner, lease_expires, epoch FROM ${this.#runs}
       WHERE ($1::text IS NULL OR workflow = $1) ORDER BY saved_at DESC`,
      [filter.workflow ?? null],
    );
    const now = await dbNow(this.#pool);
    const out: RunSummary[] = [];
    for (const row of rows) {
      const status = listedStatus(row.status, leaseOf(row), now);
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
    await this.#transaction(async (db) => {
      // FOR SHARE waits for a save in progress: an event is either in the inbox before the run's
      // last save (which drops it with the run's end) or refused after it, never left behind.
      const { rows } = await db.query<{ status: string }>(
        `SELECT status FROM ${this.#runs} WHERE run_id = $1 FOR SHARE`,
        [runId],
      );
      const run = rows[0];
      if (!run) throw new WorkflowStateError(noSuchRun(runId, this.description));
      if (isFinished(run.status))
        throw new WorkflowStateError(`Run "${runId}" has ended (${run.status}); it takes no more events`);
      await db.query(`INSERT INTO ${this.#inbox} (run_id, event) VALUES ($1, $2)`, [runId, JSON.stringify(event)]);
    });
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    await this.#schema();
    const { rows } = await this.#pool.query<{ id: string; event: string }>(
      `SELECT i.id, i.event FROM ${this.#inbox} i JOIN ${this.#runs} r ON r.run_id = i.run_id
       WHERE i.run_id = $1 AND r.lease_owner = $2 ORDER BY i.id`,
      [runId, owner],
    );
    return rows.map((r) => ({
      seq: Number(r.id),
      event: parseStored<AnyEvent>(runId, r.event, "event", this.description),
    }));
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

async function dbNow(db: pg.Pool | pg.PoolClient): Promise<number> {
  const { rows } = await db.query<{ now: string }>(`SELECT ${NOW_MS} AS now`);
  return Number(rows[0]?.now);
}

async function lockRow(db: pg.PoolClient, runs: string, runId: string): Promise<RunRow | undefined> {
  const { rows } = await db.query<RunRow>(`${SELECT_RUN(runs)} FOR UPDATE`, [runId]);
  return rows[0];
}
