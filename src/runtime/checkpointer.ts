import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { WorkflowSnapshot } from "../persistence/snapshot.js";
import type { SaveOptions, WorkflowStore } from "../persistence/store.js";

/** What a checkpointer tells its run about. */
export interface CheckpointHooks {
  /** Events other processes delivered to the run through the store. */
  delivered(events: AnyEvent[]): void;
  /** Another runner took the run over (this one's lease was lost): stop without saving. */
  lost(error: WorkflowStateError): void;
}

/**
 * Keeps one run's store record current. Every change marks the run dirty and a save follows on
 * the next turn of the event loop, so the transitions of one burst of synchronous work share a
 * checkpoint, and a run that waits (for I/O, a person, a timer) is always saved as it waits. Any
 * snapshot is a correct restore point (the op journal makes re-runs safe), so coalescing costs
 * nothing but re-run work. `checkpoint()` saves at once; `ctx.run` waits for it.
 */
export class Checkpointer {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #store: WorkflowStore;
  readonly #capture: () => WorkflowSnapshot;
  readonly #hooks: CheckpointHooks;
  #dirty = false;
  #scheduled = false;
  #closed = false;
  #saving: Promise<void> | undefined;
  #waiters: { resolve(): void; reject(error: unknown): void }[] = [];
  #renewal: ReturnType<typeof setInterval> | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  /** The highest delivered event handed to the run; saves acknowledge up to it. */
  #delivered = 0;
  readonly #runId: string;

  constructor(runId: string, store: WorkflowStore, capture: () => WorkflowSnapshot, hooks: CheckpointHooks) {
    this.#runId = runId;
    this.#store = store;
    this.#capture = capture;
    this.#hooks = hooks;
  }

  /** Writes a new run's first record (its run id must be new) and starts renewing the lease. */
  async create(): Promise<void> {
    await this.#store.save(this.#capture(), { owner: this.owner, create: true });
    this.startRenewal();
  }

  /**
   * Renews the lease a third of the way through it, and takes events delivered to the run. The
   * interval does not keep the process alive: a run waiting for a person needs no process.
   */
  startRenewal(): void {
    const every = Math.max(50, Math.floor(this.#store.leaseMs / 3));
    this.#renewal = setInterval(() => void this.#renew(), every);
    this.#renewal.unref?.();
  }

  /** The run changed: save it soon. */
  changed(): void {
    if (this.#closed) return;
    this.#dirty = true;
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#pump();
    });
  }

  /** Saves the run as it is now; resolves when that save is done. */
  checkpoint(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#dirty = true;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    void this.#pump();
    return done;
  }

  /** The run ended (or this runner stops): the last save, which lets go of the lease. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewal);
    clearTimeout(this.#retry);
    await this.#saving?.catch(() => undefined);
    try {
      const options = this.#options({ release: true });
      await this.#store.save(this.#capture(), options);
    } finally {
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    }
  }

  /** Saves the run as it is, lets go of the lease, and stops: the run stays as it was in the store. */
  async detach(snapshot: WorkflowSnapshot): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#renewal);
    clearTimeout(this.#retry);
    const options = this.#options({ release: true });
    await this.#saving?.catch(() => undefined);
    await this.#store.save(snapshot, options);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /** Stops saving and renewing without a last save (the lease was lost). */
  abandon(): void {
    this.#closed = true;
    clearInterval(this.#renewal);
    clearTimeout(this.#retry);
    for (const waiter of this.#waiters.splice(0)) waiter.reject(new WorkflowStateError("The run stopped here"));
  }

  /**
   * Hands the run the events delivered to it that it has not seen. They leave the store only with
   * the save that holds their effect (`acknowledge`): a crash in between delivers them again to the
   * next runner, whose snapshot does not have them.
   */
  async takeDelivered(runId: string): Promise<void> {
    const fresh = (await this.#store.delivered(runId, this.owner)).filter((d) => d.seq > this.#delivered);
    if (fresh.length === 0 || this.#closed) return;
    this.#delivered = (fresh[fresh.length - 1] as { seq: number }).seq;
    this.#hooks.delivered(fresh.map((d) => d.event));
    this.changed();
  }

  /** Save options that acknowledge what the run has been handed (read before the capture). */
  #options(extra: { release?: boolean } = {}): SaveOptions {
    return this.#delivered > 0
      ? { owner: this.owner, acknowledge: this.#delivered, ...extra }
      : { owner: this.owner, ...extra };
  }

  #pump(): Promise<void> {
    if (this.#saving) return this.#saving;
    this.#saving = (async () => {
      while (this.#dirty && !this.#closed) {
        this.#dirty = false;
        const waiters = this.#waiters.splice(0);
        try {
          const options = this.#options();
          await this.#store.save(this.#capture(), options);
          this.#failures = 0;
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          if (error instanceof WorkflowStateError) {
            for (const waiter of waiters) waiter.reject(error);
            this.abandon();
            this.#hooks.lost(error);
            return;
          }
          // The store is unreachable: keep the run dirty and its waiters (a `ctx.run` waits for a
          // durable result), and try again with a growing delay.
          this.#waiters.unshift(...waiters);
          this.#dirty = true;
          this.#failures++;
          clearTimeout(this.#retry);
          this.#retry = setTimeout(() => void this.#pump(), Math.min(5_000, 50 * 2 ** this.#failures));
          return;
        }
      }
    })().finally(() => {
      this.#saving = undefined;
    });
    return this.#saving;
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    const runId = this.#runId;
    try {
      if (!(await this.#store.renew(runId, this.owner))) {
        this.abandon();
        this.#hooks.lost(new WorkflowStateError(`Run "${runId}" was taken over by another runner`));
        return;
      }
      await this.takeDelivered(runId);
    } catch {
      // A store that is down now may be back at the next renewal; the lease has slack for that.
    }
  }
}
