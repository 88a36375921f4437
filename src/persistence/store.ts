import { SnapshotError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { type Lease, ownerIsGone } from "./lease.js";
import type { RunStatus, WorkflowSnapshot } from "./snapshot.js";

export type { Lease } from "./lease.js";

/**
 * A run as a store holds it.
 *
 * @example
 * ```ts
 * const stored = await store.load("order-7");
 * console.log(stored?.snapshot.status, stored?.lease?.owner ?? "no runner");
 * ```
 */
export interface StoredRun {
  readonly snapshot: WorkflowSnapshot;
  /** `null` when no runner holds it (finished, released, or never claimed). */
  readonly lease: Lease | null;
}

/**
 * One row of `store.list()`. `interrupted`: running, but no runner holds a live lease on it.
 *
 * @example
 * ```ts
 * for (const run of await store.list({ status: "interrupted" })) wf.resume(run.runId, { store });
 * ```
 */
export interface RunSummary {
  readonly runId: string;
  readonly workflow: string;
  readonly status: RunStatus | "interrupted";
  /** ISO time of the last checkpoint. */
  readonly savedAt: string;
}

/**
 * Filter of `store.list()`.
 *
 * @example
 * ```ts
 * const waiting = await store.list({ status: "waiting", workflow: "approval" });
 * ```
 */
export interface ListFilter {
  readonly status?: RunStatus | "interrupted";
  readonly workflow?: string;
}

/**
 * Options of `store.save()` (the runtime calls it; a custom store implements it).
 *
 * @example
 * ```ts
 * await store.save(handler.snapshot(), { owner: "worker-1", create: true });
 * ```
 */
export interface SaveOptions {
  /** The runner saving; it must hold the run's lease (or, without `epoch`, take a free or expired one). */
  readonly owner: string;
  /**
   * The epoch of the lease `owner` holds (from `claim`, or 1 after `create`). A save with an epoch
   * is fenced: refused with `WorkflowStateError` unless `owner` still holds the lease at that
   * epoch, expired or not. Runners always pass it.
   */
  readonly epoch?: number;
  /** A new run (its record starts at epoch 1): fails with `WorkflowStateError` when the run id already exists. */
  readonly create?: boolean;
  /** The run ended: the lease is let go with this save. */
  readonly release?: boolean;
  /**
   * Delivered events up to this `seq` are reflected in the snapshot: remove them in the same
   * write, so an event is either still waiting or part of the saved run, never lost in between.
   */
  readonly acknowledge?: number;
}

/**
 * Options of `store.claim()`.
 *
 * @example
 * ```ts
 * await store.claim("order-7", owner, { takeover: true }); // its host is down: do not wait for the lease
 * ```
 */
export interface ClaimOptions {
  /** Take the lease even from a live runner (fencing stops that one from writing the run again). */
  readonly takeover?: boolean;
}

/** An event delivered to a run from outside, in delivery order. */
export interface DeliveredEvent {
  readonly seq: number;
  readonly event: AnyEvent;
}

/**
 * Where durable runs live. Every store keeps one record per run (its latest snapshot, its lease
 * and its epoch) plus the events delivered to it from outside; the contract suite in the tests
 * holds them all to the same behaviour. Any process may `deliver` an event to any run: the process
 * running it takes it, or the next one to resume it does. A finished run's record is final: no
 * save goes over it, and no event is delivered to it.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const handler = wf.run({ topic: "tea" }, { store, runId: "order-7" });
 * // ... the process dies; later, in another one:
 * const answer = await wf.resume("order-7", { store });
 * ```
 */
export interface WorkflowStore {
  /** How long a runner's lease lasts without a checkpoint or renewal (ms). */
  readonly leaseMs: number;
  /** Where the runs are, for messages: `the SQLite database /srv/runs.db`. */
  readonly description?: string;
  /**
   * Writes a run's checkpoint and takes or renews `owner`'s lease (atomically). Refuses
   * (`WorkflowStateError`) a save from a runner that no longer holds the run, and any save over a
   * finished run but its own runner's last one. A save of a finished run drops its undelivered events.
   */
  save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void>;
  /**
   * The run's latest snapshot and lease, or `undefined` for an unknown run id. A record that is
   * not valid JSON is a `SnapshotError` naming the run.
   */
  load(runId: string): Promise<StoredRun | undefined>;
  /**
   * Takes the run's lease for `owner` (raising its epoch) and returns it. Fails with
   * `WorkflowStateError` when another runner's lease is live (a lease whose process is gone from
   * this host is not), unless `takeover`; returns `undefined` for an unknown run id, and a
   * finished run as it is, without taking it.
   */
  claim(runId: string, owner: string, options?: ClaimOptions): Promise<StoredRun | undefined>;
  /** Extends `owner`'s lease (at `epoch`, when given); false when `owner` no longer holds it. */
  renew(runId: string, owner: string, epoch?: number): Promise<boolean>;
  /** Lets go of `owner`'s lease (a runner stopping without finishing the run). */
  release(runId: string, owner: string): Promise<void>;
  /** Runs by status and workflow, most recently saved first. */
  list(filter?: ListFilter): Promise<RunSummary[]>;
  /** Removes a run and its delivered events. */
  delete(runId: string): Promise<void>;
  /** Appends an event for a run (a human reply from any process). Unknown or finished run → `WorkflowStateError`. */
  deliver(runId: string, event: AnyEvent): Promise<void>;
  /**
   * The run's delivered events not yet acknowledged, oldest first, for the lease holder `owner`
   * (empty for anyone else). They stay until a `save` acknowledges them.
   */
  delivered(runId: string, owner: string): Promise<DeliveredEvent[]>;
}

/**
 * @internal The status a store lists for a saved run at time `now`: a running run without a live
 * lease is `interrupted` (its process died or let go mid-run; on this host, a dead process's
 * lease is not live). A run waiting for a person needs no runner, so it stays `waiting`.
 */
export function listedStatus(status: RunStatus, lease: Lease | null, now: number): RunStatus | "interrupted" {
  if (status === "running" && (lease === null || lease.expiresAt <= now || ownerIsGone(lease.owner)))
    return "interrupted";
  return status;
}

/** @internal A stored JSON text, parsed; text that is not JSON is a `SnapshotError` naming the run. */
export function parseStored<T>(runId: string, text: string, what: string, where: string | undefined): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SnapshotError(
      `The stored ${what} of run "${runId}"${where ? ` in ${where}` : ""} is not valid JSON (${(error as Error).message}): the record is corrupt; restore it from a backup or delete the run`,
    );
  }
}

/** @internal The message for a run id a store does not have. */
export function noSuchRun(runId: string, where: string | undefined): string {
  return `There is no run "${runId}" in ${where ?? "the store"}`;
}
