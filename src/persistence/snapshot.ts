import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { RunContext } from "../compiler/context.js";
import { SnapshotError } from "../errors.js";
import { findNonJson } from "../internal/json.js";

/** The snapshot format this version of stepchart writes and reads. */
export const SNAPSHOT_VERSION = 1;

/**
 * Where a run stands, as a snapshot records it. (`store.list()` adds `interrupted`: a running run
 * whose runner's lease expired.)
 *
 * @example
 * ```ts
 * if (handler.snapshot().status === "waiting") notifyReviewer(handler.pendingInput);
 * ```
 */
export type RunStatus = "running" | "waiting" | "completed" | "failed" | "cancelled" | "timedOut";

/** XState's persisted snapshot of the workflow actor (children are never kept: see `captureSnapshot`). */
export interface PersistedMachine {
  readonly status: "active" | "done" | "error" | "stopped";
  readonly value: unknown;
  readonly historyValue: Readonly<Record<string, unknown>>;
  readonly context: RunContext;
  readonly children: Readonly<Record<string, never>>;
  readonly output?: unknown;
  readonly error?: unknown;
}

/**
 * A run at one moment, as plain JSON: enough to continue it in another process with
 * `wf.resume(snapshot)`. Versioned, tied to the workflow definition it came from, and signed when
 * the workflow has a `snapshotSecret`.
 *
 * @example
 * ```ts
 * const snapshot = handler.snapshot();
 * await writeFile("run.json", JSON.stringify(snapshot));
 * // later, maybe in another process:
 * const resumed = wf.resume(JSON.parse(await readFile("run.json", "utf8")), { resources });
 * ```
 */
export interface WorkflowSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  readonly workflow: string;
  readonly definitionHash: string;
  readonly runId: string;
  readonly status: RunStatus;
  /** ISO time the snapshot was taken. */
  readonly savedAt: string;
  readonly machine: PersistedMachine;
  /** HMAC-SHA256 (hex) of the rest, present when the workflow has a `snapshotSecret`. */
  readonly signature?: string;
}

const contextSchema = z.object({
  runId: z.string(),
  start: z.object({ type: z.string() }).loose(),
  state: z.record(z.string(), z.unknown()),
  slots: z.record(
    z.string(),
    z.object({
      active: z.number().int().nonnegative(),
      queue: z.object({ items: z.array(z.unknown()), head: z.number().int(), tail: z.number().int() }),
    }),
  ),
  inflight: z.array(
    z
      .object({
        id: z.number().int(),
        step: z.string(),
        event: z.object({ type: z.string() }).loose(),
        attempt: z.number().int().positive(),
        ops: z.number().int().nonnegative(),
        journal: z.record(z.string(), z.unknown()),
      })
      .loose(),
  ),
  buffers: z.record(z.string(), z.record(z.string(), z.unknown())),
  waiters: z.array(z.object({ id: z.number().int(), op: z.number().int(), eventType: z.string() }).loose()),
  pending: z.array(z.object({ event: z.object({ type: z.string() }).loose() }).loose()),
  clock: z.object({ deadline: z.number().nullable(), remaining: z.number().nullable() }),
  seq: z.number().int().nonnegative(),
  recent: z.array(z.string()),
  outcome: z.object({ status: z.string() }).loose().nullable(),
});

const envelopeSchema = z.object({
  version: z.literal(SNAPSHOT_VERSION),
  workflow: z.string(),
  definitionHash: z.string(),
  runId: z.string().min(1),
  status: z.enum(["running", "waiting", "completed", "failed", "cancelled", "timedOut"]),
  savedAt: z.string(),
  machine: z.object({
    status: z.enum(["active", "done", "error", "stopped"]),
    value: z.unknown(),
    historyValue: z.record(z.string(), z.unknown()),
    context: contextSchema,
    children: z.record(z.string(), z.never()),
    output: z.unknown().optional(),
    error: z.unknown().optional(),
  }),
  signature: z.string().optional(),
});

/** The run status a workflow actor's persisted snapshot stands for. */
export function statusOf(machine: { status: string; context: RunContext }): RunStatus {
  const outcome = machine.context.outcome;
  if (outcome) return outcome.status;
  if (machine.status === "done") return "completed";
  if (machine.status === "error" || machine.status === "stopped") return "cancelled";
  return machine.context.pending.length > 0 ? "waiting" : "running";
}

/**
 * Builds the envelope around a workflow actor's persisted snapshot. Step actors are left out:
 * a restore re-issues every in-flight invocation from context itself, whichever way it is hosted.
 */
export function captureSnapshot(
  persisted: { status: string; value: unknown; historyValue?: unknown; context: RunContext; output?: unknown },
  meta: { workflow: string; definitionHash: string; secret: string | undefined },
): WorkflowSnapshot {
  const machine = {
    status: persisted.status,
    value: persisted.value,
    historyValue: persisted.historyValue ?? {},
    context: persisted.context,
    children: {},
    ...(persisted.output === undefined ? {} : { output: persisted.output }),
  };
  const problem = findNonJson(machine.context, "context", { allowUndefinedProperties: true });
  if (problem) throw new SnapshotError(`The run cannot be snapshotted: ${problem}`);
  const body = JSON.parse(
    JSON.stringify({
      version: SNAPSHOT_VERSION,
      workflow: meta.workflow,
      definitionHash: meta.definitionHash,
      runId: persisted.context.runId,
      status: statusOf(machine as { status: string; context: RunContext }),
      savedAt: new Date().toISOString(),
      machine,
    }),
  ) as WorkflowSnapshot;
  return meta.secret === undefined ? body : { ...body, signature: sign(body, meta.secret) };
}

/**
 * Checks an untrusted snapshot before anything is started: shape, version, prototype-pollution
 * keys, signature and definition. Every problem is a `SnapshotError`; the input is not modified.
 */
export function checkSnapshot(
  value: unknown,
  expected: {
    workflow: string;
    definitionHash: string;
    secret: string | undefined;
    /** The workflow's step names: a snapshot naming another step is refused. */
    steps?: ReadonlySet<string>;
  },
): WorkflowSnapshot {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new SnapshotError(`A snapshot must be an object (got ${Array.isArray(value) ? "an array" : typeof value})`);
  const problem = findNonJson(value, "snapshot");
  if (problem) throw new SnapshotError(`Malformed snapshot: ${problem}`);
  const version = (value as { version?: unknown }).version;
  if (version !== SNAPSHOT_VERSION)
    throw new SnapshotError(
      `Unknown snapshot version ${JSON.stringify(version)} (this stepchart reads version ${SNAPSHOT_VERSION}; pass \`migrate\` to upgrade it)`,
    );
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "snapshot"}: ${i.message}`);
    throw new SnapshotError(`Malformed snapshot: ${issues.slice(0, 5).join("; ")}`);
  }
  const snapshot = value as WorkflowSnapshot;
  if (expected.secret !== undefined) {
    if (typeof snapshot.signature !== "string")
      throw new SnapshotError("The snapshot is not signed, and this workflow requires signed snapshots");
    if (!sameSignature(snapshot.signature, sign(withoutSignature(snapshot), expected.secret)))
      throw new SnapshotError("The snapshot's signature does not match: it was altered or signed with another secret");
  }
  if (snapshot.workflow !== expected.workflow)
    throw new SnapshotError(`The snapshot is of workflow "${snapshot.workflow}", not "${expected.workflow}"`);
  if (snapshot.definitionHash !== expected.definitionHash)
    throw new SnapshotError(
      `The snapshot was taken with another definition of workflow "${expected.workflow}" (definitionHash ${snapshot.definitionHash}, now ${expected.definitionHash}); pass \`migrate\` to adapt it`,
    );
  if (snapshot.machine.context.runId !== snapshot.runId)
    throw new SnapshotError("Malformed snapshot: runId and machine.context.runId differ");
  const steps = expected.steps;
  if (steps) {
    const context = snapshot.machine.context;
    const named = [
      ...context.inflight.map((inv) => inv.step),
      ...Object.keys(context.slots),
      ...Object.keys(context.buffers),
    ];
    const unknown = named.find((step) => !steps.has(step));
    if (unknown !== undefined)
      throw new SnapshotError(`Malformed snapshot: it names a step "${unknown}" this workflow does not have`);
    if (snapshot.machine.status === "active" && snapshot.machine.value !== "running")
      throw new SnapshotError(
        `Malformed snapshot: an active run must be in state "running", not ${JSON.stringify(snapshot.machine.value)}`,
      );
  }
  return snapshot;
}

/**
 * What must hold of a snapshot before a `migrate` hook sees it: a plain JSON object without
 * pollution keys and, for a workflow with a `snapshotSecret`, signed by it (the hook's result is
 * then trusted without a signature, since the hook cannot sign).
 */
export function checkBeforeMigration(value: unknown, secret: string | undefined): void {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new SnapshotError("A snapshot must be an object");
  const problem = findNonJson(value, "snapshot");
  if (problem) throw new SnapshotError(`Malformed snapshot: ${problem}`);
  if (secret === undefined) return;
  const signature = (value as { signature?: unknown }).signature;
  if (typeof signature !== "string")
    throw new SnapshotError("The snapshot is not signed, and this workflow requires signed snapshots");
  const { signature: _, ...body } = value as Record<string, unknown>;
  if (!sameSignature(signature, sign(body as never, secret)))
    throw new SnapshotError("The snapshot's signature does not match: it was altered or signed with another secret");
}

function withoutSignature(snapshot: WorkflowSnapshot): Omit<WorkflowSnapshot, "signature"> {
  const { signature: _, ...rest } = snapshot;
  return rest;
}

function sign(body: Omit<WorkflowSnapshot, "signature">, secret: string): string {
  return createHmac("sha256", secret).update(canonicalJson(body)).digest("hex");
}

function sameSignature(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** JSON with object keys sorted at every depth, so a signature does not depend on key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(v as object).sort()) sorted[key] = (v as Record<string, unknown>)[key];
    return sorted;
  });
}
