import { WorkflowStateError } from "../errors.js";
import { randomHex } from "../internal/random.js";

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

/** What a lease needs of Node's `process`: read from the global, never imported, so the core bundles for browsers. */
interface NodeProcess {
  readonly pid: number;
  kill(pid: number, signal: 0): unknown;
  getBuiltinModule?(id: string): unknown;
}

/** Node's process (or that of a runtime that provides one: Bun, Deno), else undefined. */
function nodeProcess(): NodeProcess | undefined {
  const candidate = (globalThis as { process?: { versions?: { node?: unknown } } }).process;
  return typeof candidate?.versions?.node === "string" ? (candidate as unknown as NodeProcess) : undefined;
}

let here: { readonly place: string | undefined } | undefined;

/**
 * This process's place among runners: its host name and, on Linux, its PID namespace. Two
 * containers may share a host name (`--uts=host`, `--network host`) but never a PID namespace,
 * and a pid only means something inside its own namespace. Undefined where there is no such
 * place (a browser, an edge runtime, a Node older than 20.16 without `process.getBuiltinModule`):
 * no runner is then taken for a local process, and its leases end by expiry only.
 */
function placeOfThisProcess(): string | undefined {
  here ??= { place: findPlace(nodeProcess()) };
  return here.place;
}

function findPlace(node: NodeProcess | undefined): string | undefined {
  const os = node?.getBuiltinModule?.("node:os") as { hostname(): string } | undefined;
  if (!node || !os) return undefined;
  try {
    const fs = node.getBuiltinModule?.("node:fs") as { readlinkSync(path: string): string };
    const ns = /\[(\d+)\]/.exec(fs.readlinkSync("/proc/self/ns/pid"))?.[1];
    return ns ? `${os.hostname()}/${ns}` : os.hostname();
  } catch {
    return os.hostname();
  }
}

/**
 * A new runner id. On Node `host[/pidns]:pid:random`, so a lease tells which process holds it;
 * elsewhere `runtime-random` (no colon: never read as a host and a pid), with more randomness since
 * no pid tells runners apart.
 */
export function newRunnerId(): string {
  const place = placeOfThisProcess();
  const pid = nodeProcess()?.pid;
  return place === undefined || pid === undefined ? `runtime-${randomHex(8)}` : `${place}:${pid}:${randomHex(4)}`;
}

/** The process a runner id names, when it is a process of this host's PID namespace. */
function localPid(owner: string): number | undefined {
  const [place, pid] = owner.split(":");
  const local = placeOfThisProcess();
  if (local === undefined || place !== local || pid === undefined || !/^\d+$/.test(pid)) return undefined;
  return Number(pid);
}

/**
 * True when `owner` is a runner of this host whose process no longer exists: its lease is free at
 * once, whatever its expiry says (a process killed with SIGKILL cannot let go of it). A process
 * we may not signal (EPERM) exists; a reused pid only makes us wait for the lease, never steal it.
 */
export function ownerIsGone(owner: string): boolean {
  const pid = localPid(owner);
  const node = nodeProcess();
  if (pid === undefined || node === undefined || pid === node.pid) return false;
  try {
    node.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: unknown }).code === "ESRCH";
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
