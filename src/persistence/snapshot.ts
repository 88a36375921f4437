import { z } from "zod/v4";
import { regionValueOf, runRegions } from "../compiler/regions.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { SnapshotError } from "../errors.js";
import { findNonJson, SNAPSHOT_MAX_DEPTH } from "../internal/json.js";
import type { RunContext } from "../kernel/context.js";
import { type RunStatus, runStatusOf } from "../kernel/outcome.js";
import { checkRunContext } from "./context-check.js";
import { hmacHex, hmacMatches } from "./signature.js";

export type { RunStatus } from "../kernel/outcome.js";

/** The snapshot format this version of stepchart writes and reads. */
export const SNAPSHOT_VERSION = 1;

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
 * Where the run's stream stood when the snapshot was taken, so a resumed run keeps numbering its
 * stream where it left off: a reader's position (a server's `Last-Event-ID`) means the same item
 * before and after a restart. Items themselves are not kept.
 */
export interface StreamMark {
  /** The position the default view's next item takes. */
  readonly published: number;
  /** The position the `all` view's next item takes. */
  readonly all: number;
  /** The default-view position of each pending prompt, in the order of the context's `pending` (-1: not held). */
  readonly prompts?: readonly number[];
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
  /** Where the run's stream stood (absent from snapshots of older versions: a resumed run then numbers from 0). */
  readonly stream?: StreamMark;
  /** HMAC-SHA256 (hex) of the rest, present when the workflow has a `snapshotSecret`. */
  readonly signature?: string;
}

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
    context: z.object({ runId: z.string() }).loose(),
    children: z.record(z.string(), z.never()),
    output: z.unknown().optional(),
    error: z.unknown().optional(),
  }),
  stream: z
    .object({
      published: z.number().int().min(0),
      all: z.number().int().min(0),
      prompts: z.array(z.number().int().min(-1)).optional(),
    })
    .optional(),
  signature: z.string().optional(),
});

/** The run status a workflow actor's persisted snapshot stands for. */
export function statusOf(machine: { status: string; context: RunContext }): RunStatus {
  return runStatusOf(machine.status, machine.context.outcome, machine.context.pending.length);
}

/**
 * Takes a workflow actor's snapshot. Its context is checked before XState persists it (which
 * recurses through it): a value that is not JSON, cyclic or too deep is a `SnapshotError`, never a
 * `RangeError`.
 */
export function captureActor(
  actor: { getSnapshot(): { context: unknown }; getPersistedSnapshot(): unknown },
  meta: { workflow: string; definitionHash: string; secret: string | undefined },
  stream?: StreamMark,
): WorkflowSnapshot {
  checkCapturable(actor.getSnapshot().context);
  return envelope(actor.getPersistedSnapshot() as Persisted, meta, stream);
}

type Persisted = { status: string; value: unknown; historyValue?: unknown; context: RunContext; output?: unknown };

/**
 * Builds the envelope around a workflow actor's persisted snapshot. Step actors are left out:
 * a restore re-issues every in-flight invocation from context itself, whichever way it is hosted.
 */
export function captureSnapshot(
  persisted: Persisted,
  meta: { workflow: string; definitionHash: string; secret: string | undefined },
): WorkflowSnapshot {
  checkCapturable(persisted.context);
  return envelope(persisted, meta);
}

function checkCapturable(context: unknown): void {
  // The context sits two levels below the snapshot's root.
  const problem = findNonJson(context, "context", { allowUndefinedProperties: true, maxDepth: SNAPSHOT_MAX_DEPTH - 2 });
  if (problem) throw new SnapshotError(`The run cannot be snapshotted: ${problem}`);
}

function envelope(
  persisted: Persisted,
  meta: { workflow: string; definitionHash: string; secret: string | undefined },
  stream?: StreamMark,
): WorkflowSnapshot {
  const machine = {
    status: persisted.status,
    value: persisted.value,
    historyValue: persisted.historyValue ?? {},
    context: persisted.context,
    children: {},
    ...(persisted.output === undefined ? {} : { output: persisted.output }),
  };
  const body = JSON.parse(
    JSON.stringify({
      version: SNAPSHOT_VERSION,
      workflow: meta.workflow,
      definitionHash: meta.definitionHash,
      runId: persisted.context.runId,
      status: statusOf(machine as { status: string; context: RunContext }),
      savedAt: new Date().toISOString(),
      machine,
      ...(stream === undefined ? {} : { stream }),
    }),
  ) as WorkflowSnapshot;
  return meta.secret === undefined ? body : { ...body, signature: sign(body, meta.secret) };
}

/**
 * Checks an untrusted snapshot before anything is started: shape, version, prototype-pollution
 * keys, depth ({@link SNAPSHOT_MAX_DEPTH}), signature and definition and, given the workflow's
 * `definition`, the whole machine context against it (see `checkRunContext`). Every problem is a
 * `SnapshotError`; the input is not modified.
 */
export function checkSnapshot(
  value: unknown,
  expected: {
    workflow: string;
    definitionHash: string;
    secret: string | undefined;
    /** The workflow's step names: a snapshot naming another step is refused. */
    steps?: ReadonlySet<string>;
    /** The workflow's definition: the machine context is checked against it. */
    definition?: WorkflowDefinition;
  },
): WorkflowSnapshot {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new SnapshotError(`A snapshot must be an object (got ${Array.isArray(value) ? "an array" : typeof value})`);
  const problem = findNonJson(value, "snapshot", { maxDepth: SNAPSHOT_MAX_DEPTH });
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
    if (!signedBy(snapshot.signature, withoutSignature(snapshot), expected.secret))
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
  const steps = expected.steps ?? (expected.definition && new Set(expected.definition.steps.map((s) => s.name)));
  const current = upgradeContext(snapshot);
  if (steps) checkMachine(current, steps, expected.definition);
  return current;
}

/**
 * Version 1 snapshots written before held events existed have no `held` branch: nothing was held
 * then. A copy gets an empty one (the input is not modified); anything else is checked as it is.
 */
function upgradeContext(snapshot: WorkflowSnapshot): WorkflowSnapshot {
  const context = snapshot.machine.context as Partial<WorkflowSnapshot["machine"]["context"]> | null;
  if (typeof context !== "object" || context === null || "held" in context) return snapshot;
  return { ...snapshot, machine: { ...snapshot.machine, context: { ...snapshot.machine.context, held: [] } } };
}

/** The machine around the context: a state this workflow's machine has, consistent with the envelope. */
function checkMachine(snapshot: WorkflowSnapshot, steps: ReadonlySet<string>, definition?: WorkflowDefinition): void {
  const { machine } = snapshot;
  const context = machine.context;
  if (definition) checkRunContext(context, definition, machine.status === "active");
  else {
    const named = [
      ...context.inflight.map((inv) => inv.step),
      ...Object.keys(context.slots),
      ...Object.keys(context.buffers),
    ];
    const unknown = named.find((step) => !steps.has(step));
    if (unknown !== undefined)
      throw new SnapshotError(`Malformed snapshot: it names a step "${unknown}" this workflow does not have`);
  }
  if (machine.status !== "active") return;
  const expected =
    definition?.shape === "compact" || !definition ? "running" : regionValueOf(runRegions(definition), context);
  if (
    // Compared with keys sorted: a store may keep JSON objects in its own key order (jsonb does).
    canonicalJson(machine.value) !== canonicalJson(expected) &&
    !(definition === undefined && isRegionValue(machine.value))
  )
    throw new SnapshotError(
      `Malformed snapshot: an active run must be in state ${JSON.stringify(expected)}, not ${JSON.stringify(machine.value)}`,
    );
  // The workflow machine has no history states, and an active one no output yet.
  if (Object.keys(machine.historyValue).length > 0 || "output" in machine || "error" in machine)
    throw new SnapshotError("Malformed snapshot: an active run has no history, output or error");
  if (definition && snapshot.status !== statusOf(machine))
    throw new SnapshotError(
      `Malformed snapshot: its status "${snapshot.status}" is not that of its machine ("${statusOf(machine)}")`,
    );
}

/** Without the definition: any value of the statechart shape's form (`{ running: { ... } }`). */
function isRegionValue(value: unknown): boolean {
  const running = (value as { running?: unknown } | null)?.running;
  return (
    typeof value === "object" &&
    value !== null &&
    Object.keys(value).length === 1 &&
    typeof running === "object" &&
    running !== null
  );
}

/**
 * What must hold of a snapshot before a `migrate` hook sees it: a plain JSON object without
 * pollution keys and, for a workflow with a `snapshotSecret`, signed by it (the hook's result is
 * then trusted without a signature, since the hook cannot sign).
 */
export function checkBeforeMigration(value: unknown, secret: string | undefined): void {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new SnapshotError("A snapshot must be an object");
  const problem = findNonJson(value, "snapshot", { maxDepth: SNAPSHOT_MAX_DEPTH });
  if (problem) throw new SnapshotError(`Malformed snapshot: ${problem}`);
  if (secret === undefined) return;
  const signature = (value as { signature?: unknown }).signature;
  if (typeof signature !== "string")
    throw new SnapshotError("The snapshot is not signed, and this workflow requires signed snapshots");
  const { signature: _, ...body } = value as Record<string, unknown>;
  if (!signedBy(signature, body as never, secret))
    throw new SnapshotError("The snapshot's signature does not match: it was altered or signed with another secret");
}

function withoutSignature(snapshot: WorkflowSnapshot): Omit<WorkflowSnapshot, "signature"> {
  const { signature: _, ...rest } = snapshot;
  return rest;
}

function sign(body: Omit<WorkflowSnapshot, "signature">, secret: string): string {
  return hmacHex(secret, canonicalJson(body));
}

function signedBy(signature: string, body: Omit<WorkflowSnapshot, "signature">, secret: string): boolean {
  return hmacMatches(signature, secret, canonicalJson(body));
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
