import { WorkflowStateError } from "../errors.js";
import { heldByAnother, heldError, supersededError } from "./lease.js";
import type { RunStatus } from "./snapshot.js";
import type { ClaimOptions, Lease, SaveOptions } from "./store.js";

/**
 * The rules every store applies, under its row lock, to a run's record: who may write it and
 * when. A record carries an `epoch` that every claim raises; a runner saves and renews with the
 * epoch it claimed, so a runner that stalled while another took the run over (its lease expired,
 * or `takeover`) is refused, even if the other has finished and let go of the lease since. A
 * finished record is final.
 */
export interface FencedRow {
  readonly status: string;
  readonly lease: Lease | null;
  readonly epoch: number;
}

const finished: ReadonlySet<string> = new Set<RunStatus>(["completed", "failed", "cancelled", "timedOut"]);

/** True for the statuses of a run that has ended. */
export function isFinished(status: string): boolean {
  return finished.has(status);
}

/** The epoch of a record that a save creates. */
export const FIRST_EPOCH = 1;

/**
 * Checks a save of a snapshot with `status` over `row` (`undefined`: no record) and returns the
 * record's epoch after it. Throws `WorkflowStateError` when the save must not happen.
 */
export function checkSave(
  runId: string,
  row: FencedRow | undefined,
  status: string,
  options: SaveOptions,
  now: number,
): number {
  if (!row) {
    if (options.epoch !== undefined && !options.create)
      throw new WorkflowStateError(
        `Run "${runId}" is no longer in the store (it was deleted while this runner held it)`,
      );
    return FIRST_EPOCH;
  }
  if (options.create) throw new WorkflowStateError(`Run "${runId}" already exists in the store`);
  const mine = row.lease?.owner === options.owner && (options.epoch === undefined || options.epoch === row.epoch);
  // Only the runner that finished a run may write it again, and only as finished (its last save).
  if (isFinished(row.status) && !(mine && isFinished(status)))
    throw new WorkflowStateError(`Run "${runId}" has already ended (${row.status}) in the store; its record is final`);
  if (options.epoch !== undefined) {
    if (!mine) throw supersededError(runId);
    return row.epoch;
  }
  // A save without an epoch (a caller of the store's API, not a runner) takes a free lease.
  const held = heldByAnother(row.lease, options.owner, now);
  if (held) throw heldError(runId, held, now);
  return row.lease?.owner === options.owner ? row.epoch : row.epoch + 1;
}

/**
 * Checks a claim of `row` by `owner` and returns the record's new epoch, or `undefined` for a run
 * that has ended (it is returned as it is, and nobody holds it).
 */
export function checkClaim(
  runId: string,
  row: FencedRow,
  owner: string,
  now: number,
  options: ClaimOptions = {},
): number | undefined {
  if (isFinished(row.status)) return undefined;
  const held = options.takeover ? undefined : heldByAnother(row.lease, owner, now);
  if (held) throw heldError(runId, held, now);
  return row.epoch + 1;
}
