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
  lease: Lease | null;
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
  readonly #rows = new Map<string, Row>();
  #seq = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  async save(snapshot: WorkflowSnapshot, options: SaveOptions): Promise<void> {
    const row = this.#rows.get(snapshot.runId);
    if (options.create && row) throw new WorkflowStateError(`Run "${snapshot.runId}" already exists in the store`);
    if (row) this.#checkOwner(snapshot.runId, row, options.owner);
    const lease = options.release ? null : { owner: options.owner, expiresAt: Date.now() + this.leaseMs };
    const acked = options.acknowledge;
    const inbox = (row?.inbox ?? []).filter((d) => acked === undefined || d.seq > acked);
    this.#rows.set(snapshot.runId, { snapshot: JSON.stringify(snapshot), lease, inbox });
  }

  async load(runId: string): Promise<StoredRun | undefined> {
    const row = this.#rows.get(runId);
    return row ? { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease: row.lease } : undefined;
  }

  async claim(runId: string, owner: string): Promise<StoredRun | undefined> {
    const row = this.#rows.get(runId);
    if (!row) return undefined;
    this.#checkOwner(runId, row, owner);
    row.lease = { owner, expiresAt: Date.now() + this.leaseMs };
    return { snapshot: JSON.parse(row.snapshot) as WorkflowSnapshot, lease: row.lease };
  }

  async renew(runId: string, owner: string): Promise<boolean> {
    const row = this.#rows.get(runId);
    if (!row || row.lease?.owner !== owner) return false;
    row.lease = { owner, expiresAt: Date.now() + this.leaseMs };
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
      const snapshot = JSON.parse(row.snapshot) as WorkflowSnapshot;
      const status = listedStatus({ snapshot, lease: row.lease }, now);
      if (filter.status && filter.status !== status) continue;
      if (filter.workflow && filter.workflow !== snapshot.workflow) continue;
      out.push({ runId, workflow: snapshot.workflow, status, savedAt: snapshot.savedAt });
    }
    return out.sort((a, b) => (a.savedAt < b.savedAt ? 1 : a.savedAt > b.savedAt ? -1 : 0));
  }

  async delete(runId: string): Promise<void> {
    this.#rows.delete(runId);
  }

  async deliver(runId: string, event: AnyEvent): Promise<void> {
    const row = this.#rows.get(runId);
    if (!row) throw new WorkflowStateError(`There is no run "${runId}" in the store`);
    row.inbox.push({ seq: ++this.#seq, text: JSON.stringify(event) });
  }

  async delivered(runId: string, owner: string): Promise<DeliveredEvent[]> {
    const row = this.#rows.get(runId);
    if (!row || row.lease?.owner !== owner) return [];
    return row.inbox.map((d) => ({ seq: d.seq, event: JSON.parse(d.text) as AnyEvent }));
  }

  #checkOwner(runId: string, row: Row, owner: string): void {
    const lease = row.lease;
    if (lease && lease.owner !== owner && lease.expiresAt > Date.now())
      throw new WorkflowStateError(
        `Run "${runId}" is held by another live runner (lease until ${new Date(lease.expiresAt).toISOString()})`,
      );
  }
}
