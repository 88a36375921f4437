/**
 * Runs a plan on the real runtime, answering every prompt (answers.ts), and kills it at its crash
 * points (crash.ts), resuming each snapshot, or the stored run of a durable plan, as the next
 * incarnation. What survives is put in the reference's form (reference.ts) to be compared with it.
 */
import {
  type AnyEvent,
  MemoryStore,
  type WorkflowHandler,
  type WorkflowSnapshot,
  WorkflowStepError,
  type WorkflowStore,
} from "../../src/index.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { collectStream } from "../helpers.js";
import { answerByInbox, answerEarly, drive, pendingOf } from "./answers.js";
import { type Built, buildWorkflow, type Incarnation, type Rec } from "./build.js";
import { detachAt, RUN_ID, Survivors, watch } from "./crash.js";
import { type FlatPlan, noteType, type Plan } from "./plan.js";
import { dropKey, type Outcome, streamItem } from "./reference.js";

/** What the real run did, in the reference's form, plus what no reference can predict. */
export interface Observed extends Outcome {
  /** Inline checks that failed (ctx.get after ctx.set, collect order, ctx.run results, rejections). */
  readonly violations: readonly string[];
  /** `ctx.run` effects applied more than once. */
  readonly duplicateEffects: readonly string[];
  /** How many processes the run went through. */
  readonly incarnations: number;
}

export const START_INPUT = { id: "r", w: 1, n: 0 };

type Handler = WorkflowHandler<any, any>;

/**
 * Runs `plan`; `eager` lists custom-wait keys to answer right after `run()` (their prompts are then
 * not answered: an answer lost before its waiter existed shows as a run that never ends).
 */
export async function execute(
  flat: FlatPlan,
  plan: Plan,
  timeout: number,
  eager: readonly string[] = [],
): Promise<Observed> {
  const built = buildWorkflow(flat, plan.noiseSeed, plan.maxTicks, timeout);
  const store = storeFor(plan);
  try {
    return await runAll(built, flat, plan, eager, store);
  } finally {
    if (store instanceof SqliteStore) store.close();
  }
}

function storeFor(plan: Plan): WorkflowStore | undefined {
  if (plan.durable === "memory") return new MemoryStore();
  if (plan.durable === "sqlite") return new SqliteStore({ path: ":memory:" });
  return undefined;
}

/** Every incarnation of the run, to the end. */
async function runAll(
  built: Built,
  flat: FlatPlan,
  plan: Plan,
  eager: readonly string[],
  store: WorkflowStore | undefined,
): Promise<Observed> {
  const survivors = new Survivors(flat);
  const stream: AnyEvent[] = [];
  const violations: string[] = [];
  let snapshot: WorkflowSnapshot | undefined;
  const answered = new Set<string>();
  for (let i = 0; ; i++) {
    const inc: Incarnation = { dead: false, records: [], violations: [] };
    // An inspection observer makes the run host each invocation as a step actor.
    const options = { resources: { world: inc }, ...(plan.actors[i] ? { inspect: () => undefined } : {}) };
    const h = launch(built, options, snapshot, store);
    // A run resumed from a store loads it first: its prompts are the stored snapshot's.
    const restored = store ? pendingOf(snapshot) : h.pendingInput.slice();
    const crash = store ? detachAt(h, inc, plan.crashes[i], store) : watch(h, inc, plan.crashes[i], violations);
    const timers = timersWatch();
    if (i === 0) answerEarly(h, inc, built, eager, answered);
    void drive(h, inc, built, plan, violations, answered);
    const ended = await h.then(
      (value: unknown) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    violations.push(...timers());
    const items = await collectStream(h);
    if (JSON.stringify(items.slice(0, restored.length)) !== JSON.stringify(restored))
      violations.push(`incarnation ${i}: the resumed stream does not start with the pending prompts`);
    violations.push(...inc.violations);
    if (store) violations.push(...(await rejected(h)));
    const point = await crash(items, restored.length);
    survivors.take(inc.records, point);
    if (point) {
      stream.push(...items.slice(restored.length, restored.length + point.published));
      snapshot = point.snapshot;
      if (store) await answerByInbox(built, store, snapshot, plan, answered);
      continue;
    }
    stream.push(...items.slice(restored.length));
    if (store && ended.ok) {
      const status = (await store.load(RUN_ID))?.snapshot.status;
      if (status !== "completed") violations.push(`the store holds the completed run as ${status}`);
    }
    return observe(h, ended, survivors.kept, stream, violations, i + 1);
  }
}

/** Starts or resumes an incarnation: from a snapshot, or from the store for durable runs. */
function launch(
  built: Built,
  options: object,
  snapshot: WorkflowSnapshot | undefined,
  store: WorkflowStore | undefined,
): Handler {
  if (!store) return snapshot ? built.wf.resume(snapshot, options) : built.wf.run(START_INPUT, options);
  return snapshot
    ? built.wf.resume(RUN_ID, { ...options, store })
    : built.wf.run(START_INPUT, { ...options, store, runId: RUN_ID });
}

/** The rejections a durable incarnation recorded (it stops at its crash point: all are its own). */
async function rejected(h: Handler): Promise<string[]> {
  const all = await collectStream(h, { all: true });
  return all.filter((ev) => ev.type === "EventRejectedEvent").map((ev) => `rejected: ${JSON.stringify(ev)}`);
}

/** More CPU time than any turn of the event loop a run may take before it lets timers go (item 7). */
const STARVED_MS = 100;

/**
 * Starts a 0 ms timer beside the run; the returned check says whether the run kept it from firing
 * while it used more than {@link STARVED_MS} of CPU time (a cycle of instant steps must yield to
 * the event loop). CPU time, not wall time: a loaded machine that deschedules the process for a
 * while must not count.
 */
function timersWatch(): () => string[] {
  const started = process.cpuUsage();
  let fired = false;
  const timer = setTimeout(() => {
    fired = true;
  }, 0);
  return () => {
    clearTimeout(timer);
    const used = process.cpuUsage(started);
    const ms = Math.round((used.user + used.system) / 1000);
    return fired || ms <= STARVED_MS ? [] : [`a 0 ms timer could not fire during ${ms} ms of CPU time of the run`];
  };
}

function observe(
  h: Handler,
  settled: { ok: true; value: unknown } | { ok: false; error: unknown },
  kept: readonly Rec[],
  stream: readonly AnyEvent[],
  violations: string[],
  incarnations: number,
): Observed {
  const count = (kind: Rec["kind"]) => {
    const out: Record<string, number> = {};
    for (const r of kept) if (r.kind === kind) out[r.step] = (out[r.step] ?? 0) + 1;
    return out;
  };
  const tokens = kept.filter((r) => r.kind === "effect").map((r) => r.token as string);
  const duplicateEffects = tokens.filter((t, i) => tokens.indexOf(t) !== i);
  const state = (h.snapshot().machine.context as { state: Record<string, unknown> }).state;
  const sums: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [k, v] of Object.entries(state)) {
    if (k.startsWith("sum:")) sums[k.slice(4)] = v;
    else sets.push(`${k.split("|")[1]}=${String(v)}`);
  }
  const last = stream.at(-1);
  violations.push(...outOfOrder(stream));
  if (settled.ok && h.pendingInput.length > 0)
    violations.push(`prompts left pending: ${JSON.stringify(h.pendingInput)}`);
  return {
    result: settled.ok ? { ok: true, value: settled.value } : failure(settled.error),
    starts: count("start"),
    completions: count("done"),
    stream: stream
      .slice(0, -1)
      .map((ev) => streamItem(ev))
      .sort(),
    terminal: last?.type ?? "nothing",
    state: { sums, sets: sets.sort() },
    effects: tokens.map(dropKey).sort(),
    violations,
    duplicateEffects,
    incarnations,
  };
}

/** The ops of one attempt reach the stream in their order (its notes and wait prompts). */
function outOfOrder(stream: readonly AnyEvent[]): string[] {
  const last = new Map<string, number>();
  const out: string[] = [];
  for (const ev of stream) {
    const tag = ev.type === noteType ? ev.tag : (ev.payload as { key?: unknown } | undefined)?.key;
    if (typeof tag !== "string") continue;
    const parts = tag.split("|");
    const op = Number(parts.pop());
    const attempt = parts.join("|");
    if (op <= (last.get(attempt) ?? -1)) out.push(`${tag} streamed after op ${last.get(attempt)} of its attempt`);
    last.set(attempt, op);
  }
  return out;
}

function failure(error: unknown): Outcome["result"] {
  if (error instanceof WorkflowStepError) return { ok: false, step: error.step, attempts: error.attempts };
  const e = error as Error;
  return { ok: false, step: `unexpected ${e?.name}: ${e?.message}`, attempts: -1 };
}
