/** The PostgreSQL store's tables and rows: its SQL text, and a row read back as a lease. */
import { WorkflowStateError } from "../errors.js";
import type { FencedRow } from "./fencing.js";
import type { RunStatus } from "./snapshot.js";
import type { Lease } from "./store.js";

/** A run's row as PostgreSQL returns it (BIGINT columns come back as strings). */
export interface RunRow {
  snapshot: string;
  status: RunStatus;
  lease_owner: string | null;
  lease_expires: string | null;
  epoch: string;
}

/** The tables, created on first use (and the epoch column added to tables of earlier versions). */
export function ddl(schema: string): string {
  return `
  CREATE SCHEMA IF NOT EXISTS ${schema};
  CREATE TABLE IF NOT EXISTS ${schema}.stepchart_runs (
    run_id TEXT PRIMARY KEY,
    workflow TEXT NOT NULL,
    status TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    snapshot TEXT NOT NULL,
    lease_owner TEXT,
    lease_expires BIGINT,
    epoch BIGINT NOT NULL DEFAULT 0
  );
  ALTER TABLE ${schema}.stepchart_runs ADD COLUMN IF NOT EXISTS epoch BIGINT NOT NULL DEFAULT 0;
  CREATE INDEX IF NOT EXISTS stepchart_runs_status ON ${schema}.stepchart_runs (status, workflow);
  CREATE TABLE IF NOT EXISTS ${schema}.stepchart_inbox (
    id BIGSERIAL PRIMARY KEY,
    run_id TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS stepchart_inbox_run ON ${schema}.stepchart_inbox (run_id, id);`;
}

/** The store's SQL for one run's row. */
export const SELECT_RUN = (runs: string) =>
  `SELECT snapshot, status, lease_owner, lease_expires, epoch FROM ${runs} WHERE run_id = $1`;

/**
 * Lease times come from the database's clock, not each host's: two hosts with skewed clocks must
 * agree on whether a lease is live.
 */
export const NOW_MS = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint";

/** What the fencing rules read of a row. */
export function fenced(row: RunRow): FencedRow {
  return { status: row.status, lease: leaseOf(row), epoch: Number(row.epoch) };
}

/** A row's lease, or `null` when no runner holds the run. */
export function leaseOf(row: {
  lease_owner: string | null;
  lease_expires: string | null;
  epoch: string;
}): Lease | null {
  return row.lease_owner === null
    ? null
    : { owner: row.lease_owner, expiresAt: Number(row.lease_expires ?? 0), epoch: Number(row.epoch) };
}

/** A connection string without its password, for messages. */
export function safeUrl(connectionString: string | undefined): string {
  if (!connectionString) return "the server the PG* environment variables name";
  try {
    const url = new URL(connectionString);
    url.password = "";
    url.search = "";
    return url.toString();
  } catch {
    return "the server of the connection string given";
  }
}

/** Checks a schema name before it is written into SQL. */
export function checkSchemaName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new WorkflowStateError(`Invalid PostgreSQL schema name "${name}"`);
  return name;
}
