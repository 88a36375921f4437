import { SnapshotError, type WorkflowError, WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { nextTurn } from "../execution/turns.js";
import { FIRST_EPOCH, isFinished } from "../persistence/fencing.js";
import { newRunnerId, supersededError } from "../persistence/lease.js";
import type { WorkflowSnapshot } from "../persistence/snapshot.js";
import type { SaveOptions, WorkflowStore } from "../persistence/store.js";

/** What a checkpointer tells its run about. */
export interface CheckpointHooks {
  /** Events other processes delivered to the run through the store. */
  delivered(events: AnyEvent[]): void;
  /**
   * The run cannot go on here: another runner took it over (`WorkflowStateError`; stop without
   * saving), or its state can never be saved (`SnapshotError`; the run fails with it).
   */
  stopped(error: WorkflowError): void;
}

/**
 * Keeps one run's store record current. Every change marks the run dirty and a save follows on
 * the next turn of the event loop, so the transitions of one burst of synchronous work share a
 * checkpoint, and a run that waits (for I/O, a person, a timer) is always saved as it waits. Any
 * snapshot is a correct restore point (the op journal makes re-runs safe), so coalescing costs
 * nothing but re-run work. `checkpoint()` saves at once; `ctx.run` waits for it. Every save and
 * renewal carries the epoch this runner claimed: once another runner took the run, they fail.
 */
export class Checkpointer {
  readonly owner = newRunnerId();
  readonly #store: WorkflowStore;
  readonly #capture: () => WorkflowSnapshot;
  readonly #hooks: CheckpointHooks;
  #epoch = FIRST_EPOCH;
  #dirty = false;
  #scheduled = false;
  #closed = false;
  /** The last write of a run that stopped here on its own (its record marked failed). */
  #ending: Promise<void> | undefined;
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
    await this.#store.save(this.#capture(), { owner: this.owner, epoch: FIRST_EPOCH, create: true });
    this.startRenewal();
  }

  /** The epoch of the lease this runner claimed (a resumed run); saves and renewals carry it. */
  holds(epoch: number): void {
    this.#epoch = epoch;
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
    // The next turn, not a microtask: the changes of one turn make one save.
    nextTurn(() => {
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

  /**
   * Resolves once the store confirms this runner still holds the run at its epoch (`ctx.run` asks
   * before it starts an effect), extending the lease; rejects once it does not. The answer counts
   * only if it came back well within a lease: a runner that stalled meanwhile asks again, since
   * another one may have taken the run while it was not looking. A store that is down is asked
   * again with a growing delay, as a checkpoint would be.
   */
  async confirm(): Promise<void> {
    for (let failures = 0; ; ) {
      if (this.#closed) throw new WorkflowStateError(`Run "${this.#runId}" is no longer running in this process`);
      const asked = performance.now();
      let held: boolean;
      try {
        held = await this.#store.renew(this.#runId, this.owner, this.#epoch);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 50 * 2 ** ++failures)));
        continue;
      }
      if (!held) {
        const error = supersededError(this.#runId);
        this.#stop(error);
        throw error;
      }
      if (performance.now() - asked < this.#store.leaseMs / 2) return;
    }
  }

  /** The run ended (or this runner stops): the last save, which lets go of the lease. */
  async close(): Promise<void> {
    if (this.#closed) return this.#ending;
    this.#closed = true;
    this.#clearTimers();
    await this.#saving?.catch(() => undefined);
    try {
      const options = this.#options({ release: true });
      await this.#store.save(this.#capture(), options);
    } catch (error) {
      if (!(error instanceof SnapshotError)) throw error;
      await this.#markFailed();
    } finally {
      for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    }
  }

  /** Saves the run as it is, lets go of the lease, and stops: the run stays as it was in the store. */
  async detach(snapshot: WorkflowSnapshot): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    const options = this.#options({ release: true });
    await this.#saving?.catch(() => undefined);
    await this.#store.save(snapshot, options);
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
  }

  /**
   * Hands the run the events delivered to it that it has not seen. They leave the store only with
   * the save that holds their effect (`acknowledge`): a crash in between delivers them again to the
   * next runner, whose snapshot does not have them. Calls take turns: two reads at once (a slow
   * store, the renewal beside the resume) would both see the same events as new.
   */
  takeDelivered(runId: string): Promise<void> {
    const turn = this.#taking.then(() => this.#take(runId));
    this.#taking = turn.catch(() => undefined);
    return turn;
  }

  #taking: Promise<void> = Promise.resolve();

  async #take(runId: string): Promise<void> {
    if (this.#closed) return;
    const fresh = (await this.#store.delivered(runId, this.owner)).filter((d) => d.seq > this.#delivered);
    if (fresh.length === 0 || this.#closed) return;
    this.#delivered = (fresh[fresh.length - 1] as { seq: number }).seq;
    this.#hooks.delivered(fresh.map((d) => d.event));
    this.changed();
  }

  /** Save options: this runner's epoch, and what the run has been handed (read before the capture). */
  #options(extra: { release?: boolean } = {}): SaveOptions {
    const options = { owner: this.owner, epoch: this.#epoch, ...extra };
    return this.#delivered > 0 ? { ...options, acknowledge: this.#delivered } : options;
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
          // Lost to another runner, or a snapshot no save can ever take (a value that is not
          // JSON, a store's own limit): retrying would only hang the run's next ctx.run.
          if (error instanceof WorkflowStateError || error instanceof SnapshotError) {
            this.#waiters.unshift(...waiters);
            this.#stop(error);
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

  /**
   * Stops saving and renewing, and tells the run why. A run that lost its lease writes nothing
   * more; a run that cannot be saved marks its record failed (its last good snapshot stays, so
   * the store no longer says it is running, and nobody resumes it into the same failure).
   */
  #stop(error: WorkflowError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#clearTimers();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    if (error instanceof SnapshotError) this.#ending = this.#markFailed();
    this.#hooks.stopped(error);
  }

  async #markFailed(): Promise<void> {
    try {
      const stored = await this.#store.load(this.#runId);
      if (!stored || isFinished(stored.snapshot.status)) return;
      const failed = { ...stored.snapshot, status: "failed" as const, savedAt: new Date().toISOString() };
      await this.#store.save(failed, { owner: this.owner, epoch: this.#epoch, release: true });
    } catch {
      // The lease then runs out and the run lists as interrupted: no worse than a crash.
    }
  }

  #clearTimers(): void {
    clearInterval(this.#renewal);
    clearTimeout(this.#retry);
  }

  async #renew(): Promise<void> {
    if (this.#closed) return;
    const runId = this.#runId;
    try {
      if (!(await this.#store.renew(runId, this.owner, this.#epoch))) {
        this.#stop(supersededError(runId));
        return;
      }
      await this.takeDelivered(runId);
    } catch {
      // A store that is down now may be back at the next renewal; the lease has slack for that.
    }
  }
}
