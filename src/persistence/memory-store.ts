import { WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { checkClaim, checkSave, isFinished } from "./fencing.js";
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
 * Options of `new MemoryStore()`.
 *
 * @example
 * ```ts
 * const store = new MemoryStore({ leaseMs: 5_000 });
 * ```
 */
export interface MemoryStoreOptions {
  /** Lease length in ms (default 15 000). */
  readonly leaseMs?: number;
}

interface Row {
  snapshot: string;
  status: RunStatus;
  workflow: string;
  savedAt: string;
  lease: Lease | null;
  epoch: number;
  inbox: { seq: number; text: string }[];
}

/**
 * The built-in store: runs kept in this process's memory, as JSON text (so what comes back is a
 * copy, exactly as a database would give it). For tests, and for surviving a cancelled handler or
 * an actor that was stopped; not a process crash.
 *
 * @example
 * ```ts
 * const store = new MemoryStore();
 * const handler = approval.run({ topic: "tea" }, { store, runId: "tea-1" });
 * console.log(await store.list({ status: "waiting" })); // [{ runId: "tea-1", ... }]
 * ```
 */
export class MemoryStore implements WorkflowStore {
  readonly leaseMs: number;
  readonly description = "this process's MemoryStore";
  readonly #rows = new Map<string, Row>();
  #seq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    const runId = snapshot.runId;
    const row = this.#rows.get(runId);
    const now = Date.now();
    const epoch = checkSave(runId, row, snapshot.status, options, now);
    const lease = options.release ? null : { owner: options.owner, expiresAt: now + this.leaseMs, epoch };
    const acked = options.acknowledge;
    // A finished run takes no more events: what is still waiting can never be applied.
    const inbox = isFinished(snapshot.status)
      ? []
      : (row?.inbox ?? []).filter((d) => acked === undefined || d.seq > acked);
    const { status, workflow, savedAt } = snapshot;
    this.#rows.set(runId, { snapshot: JSON.stringify(snapshot), status, workflow, savedAt, lease, epoch, inbox });
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    const row = this.#rows.get(runId);
    return row ? this.#stored(runId, row) : undefined;
  }

  async claim(runId: string, owner: string, options?: ClaimOptions): Promise<StoredRun | undefined> {
    const row = this.#rows.get(runId);
    if (!row) return undefined;
    const stored = this.#stored(runId, row);
    const epoch = checkClaim(runId, row, owner, Date.now(), options);
    if (epoch === undefined) return stored;
    row.epoch = epoch;
    row.lease = { owner, expiresAt: Date.now() + this.leaseMs, epoch };
    return { snapshot: stored.snapshot, lease: row.lease };
  }

  async renew(runId: string, owner: string, epoch?: number): Promise<boolean> {
    const row = this.#rows.get(runId);
    if (!row || row.lease?.owner !== owner || (epoch !== undefined && row.epoch !== epoch)) return false;
    row.lease = { owner, expiresAt: Date.now() + this.leaseMs, epoch: row.epoch };
    return true;
  }

  async release(runId: string, owner: string): Promise<void> {
    const row = this.#rows.get(runId);
    if (row?.lease?.owner === owner) row.lease = null;
  }

  async list(filter: ListFilter = {}): Promise<RunSummary[]> {
    const now = Date.now();
    const out: RunSummary[] = [];
    for (const [runId, row] of this.#rows) {
      const status = listedStatus(row.status, row.lease, now);
      if (filter.status && filter.status !== status) continue;
      if (filter.workflow && filter.workflow !== row.workflow) continue;
      out.push({ runId, workflow: row.workflow, status, savedAt: row.savedAt });
    }
    return out.sort((a, b) => (a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : 0));
  }

  async delete(runId: string): Promise<void> {
    this.#rows.delete(runId);
  }

  async deliver(runId: string, event: AnyEvent): Promise<void> {
    const row = this.#rows.get(runId);
    if (!row) throw new WorkflowStateError(noSuchRun(runId, this.description));
    if (isFinished(row.status))
      throw new WorkflowStateError(`Run "${runId}" has ended (${row.status}); it takes no more events`);
    row.inbox.push({ seq: ++this.#seq, text: JSON.stringify(event) });
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    const row = this.#rows.get(runId);
    if (!row || row.lease?.owner !== owner) return [];
    return row.inbox.map((d) => ({ seq: d.seq, event: parseStored<AnyEvent>(runId, d.text, "event", undefined) }));
  }

  #stored(runId: string, row: Row): StoredRun {
    return { snapshot: parseStored<WorkflowSnapshot>(runId, row.snapshot, "snapshot", undefined), lease: row.lease };
  }
}
