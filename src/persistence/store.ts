import type { AnyEvent } from "../events/types.js";
import type { RunStatus, WorkflowSnapshot } from "./snapshot.js";

/**
 * A runner's claim on a run: only the owner checkpoints it until `expiresAt` (ms since epoch).
 *
 * @example
 * ```ts
 * const stored = await store.load("order-7");
 * if (stored?.lease && stored.lease.expiresAt > Date.now()) console.log("running in", stored.lease.owner);
 * ```
 */
export interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

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
  /** The runner saving; it must hold the run's lease (or take a free or expired one). */
  readonly owner: string;
  /** A new run: fails with `WorkflowStateError` when the run id already exists. */
  readonly create?: boolean;
  /** The run ended: the lease is let go with this save. */
  readonly release?: boolean;
  /**
   * Delivered events up to this `seq` are reflected in the snapshot: remove them in the same
   * write, so an event is either still waiting or part of the saved run, never lost in between.
   */
  readonly acknowledge?: number;
}

/** An event delivered to a run from outside, in delivery order. */
export interface DeliveredEvent {
  readonly seq: number;
  readonly event: AnyEvent;
}

/**
 * Where durable runs live. Every store keeps one record per run (its latest snapshot and lease)
 * plus the events delivered to it from outside; the contract suite in the tests holds them all to
 * the same behaviour. Any process may `deliver` an event to any run: the process running it takes
 * it, or the next one to resume it does.
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
  /** Writes a run's checkpoint and takes or renews `owner`'s lease (atomically). */
  save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void>;
  /** The run's latest snapshot and lease, or `undefined` for an unknown run id. */
  load(runId: string): Promise<StoredRun | undefined>;
  /**
   * Takes the run's lease for `owner` and returns it. Fails with `WorkflowStateError` when another
   * runner's lease is live, and returns `undefined` for an unknown run id.
   */
  claim(runId: string, owner: string): Promise<StoredRun | undefined>;
  /** Extends `owner`'s lease; false when `owner` no longer holds it. */
  renew(runId: string, owner: string): Promise<boolean>;
  /** Lets go of `owner`'s lease (a runner stopping without finishing the run). */
  release(runId: string, owner: string): Promise<void>;
  /** Runs by status and workflow, most recently saved first. */
  list(filter?: ListFilter): Promise<RunSummary[]>;
  /** Removes a run and its delivered events. */
  delete(runId: string): Promise<void>;
  /** Appends an event for a run (a human reply from any process). Unknown run → `WorkflowStateError`. */
  deliver(runId: string, event: AnyEvent): Promise<void>;
  /**
   * The run's delivered events not yet acknowledged, oldest first, for the lease holder `owner`
   * (empty for anyone else). They stay until a `save` acknowledges them.
   */
  delivered(runId: string, owner: string): Promise<DeliveredEvent[]>;
}

/**
 * @internal The status a store lists for a saved run at time `now`: a running run without a live
 * lease is `interrupted` (its process died or let go mid-run). A run waiting for a person needs no
 * runner, so it stays `waiting`.
 */
export function listedStatus(run: StoredRun, now: number): RunStatus | "interrupted" {
  const status = run.snapshot.status;
  if (status === "running" && (run.lease === null || run.lease.expiresAt <= now)) return "interrupted";
  return status;
}
