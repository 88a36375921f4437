import { randomUUID } from "node:crypto";
import { readlinkSync } from "node:fs";
import { hostname } from "node:os";
import { WorkflowStateError } from "../errors.js";

/**
 * A runner's claim on a run: only the owner checkpoints it until `expiresAt` (ms since epoch).
 * `epoch` is the record's fencing token: every claim raises it, and a runner saves and renews
 * with the epoch it claimed, so once another runner has taken the run, the first one's writes
 * are refused.
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
  /** The record's epoch when this lease was taken (a created record starts at 1). */
  readonly epoch: number;
}

/**
 * This process's place among runners: its host name and, on Linux, its PID namespace. Two
 * containers may share a host name (`--uts=host`, `--network host`) but never a PID namespace,
 * and a pid only means something inside its own namespace.
 */
const here = (() => {
  try {
    const ns = /\[(\d+)\]/.exec(readlinkSync("/proc/self/ns/pid"))?.[1];
    return ns ? `${hostname()}/${ns}` : hostname();
  } catch {
    return hostname();
  }
})();

/** A new runner id: `host[/pidns]:pid:random`, so a lease tells which process holds it. */
export function newRunnerId(): string {
  return `${here}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/** The process a runner id names, when it is a process of this host's PID namespace. */
function localPid(owner: string): number | undefined {
  const [place, pid] = owner.split(":");
  if (place !== here || pid === undefined || !/^\d+$/.test(pid)) return undefined;
  return Number(pid);
}

/**
 * True when `owner` is a runner of this host whose process no longer exists: its lease is free at
 * once, whatever its expiry says (a process killed with SIGKILL cannot let go of it). A process
 * we may not signal (EPERM) exists; a reused pid only makes us wait for the lease, never steal it.
 */
export function ownerIsGone(owner: string): boolean {
  const pid = localPid(owner);
  if (pid === undefined || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/** `lease` when it belongs to another runner that may still be running the run at `now`. */
export function heldByAnother(lease: Lease | null, owner: string, now: number): Lease | undefined {
  return lease !== null && lease.owner !== owner && lease.expiresAt > now && !ownerIsGone(lease.owner)
    ? lease
    : undefined;
}

/** The error for a run another runner holds: who, until when, and how to take it over. */
export function heldError(runId: string, lease: Lease, now: number): WorkflowStateError {
  const until = `until ${new Date(lease.expiresAt).toISOString()} (${Math.ceil((lease.expiresAt - now) / 1000)} s from now)`;
  const pid = localPid(lease.owner);
  const who =
    pid === undefined
      ? `runner "${lease.owner}"`
      : `process ${pid} on this host (runner "${lease.owner}"), which is alive`;
  return new WorkflowStateError(
    `Run "${runId}" is held by another live runner: ${who}, ${until}. Wait for the lease to end, or, ` +
      `if that runner is gone or must stop, take the run over now with wf.resume("${runId}", { store, takeover: true }): ` +
      "from then on the old runner's saves are refused and it starts no more ctx.run effects",
  );
}

/** The error for a save or renewal from a runner that no longer holds the run. */
export function supersededError(runId: string): WorkflowStateError {
  return new WorkflowStateError(
    `Run "${runId}" was taken over by another runner: this runner no longer holds it, so it stops here without saving`,
  );
}
