/**
 * Crashes: a run is snapshotted after its k-th transition and taken for dead from that instant (its
 * later body records and stream items are dropped, as a SIGKILL would drop them), then resumed.
 *
 * What a body did before the crash point counts unless the snapshot shows that very attempt still
 * in flight, i.e. it will run again (at-least-once bodies); a `ctx.run` effect of such an attempt
 * counts only when the snapshot journaled its result (the re-run must then not call it again). So
 * every kept effect must appear exactly once.
 */
import type { AnyEvent, WorkflowHandler, WorkflowSnapshot, WorkflowStore } from "../../src/index.js";
import type { Incarnation, Rec } from "./build.js";
import { type FlatPlan, invocationKey } from "./plan.js";

export interface CrashPoint {
  readonly snapshot: WorkflowSnapshot;
  /** Stream items the run had published at that instant. */
  readonly published: number;
}

type InflightEntry = {
  step: string;
  event: AnyEvent;
  attempt: number;
  ops?: number;
  retryAt?: number;
  journal?: unknown;
};

/** The crash point of an incarnation once it has ended, from its stream (restored prompts first). */
export type Crash = (items: readonly AnyEvent[], restored: number) => Promise<CrashPoint | undefined>;

/** The run id of durable runs (one store per case). */
export const RUN_ID = "property-run";

/**
 * Durable runs: at the `at`-th body point, `handler.detach()`, which saves the run as it is and
 * stops it at once (nothing is published after that: its stream ends without a terminal item, as
 * the run goes on elsewhere).
 */
export function detachAt(
  h: WorkflowHandler<unknown, never>,
  inc: Incarnation,
  at: number | undefined,
  store: WorkflowStore,
): Crash {
  let points = 0;
  let detached: Promise<void> | undefined;
  inc.point = () => {
    if (detached || at === undefined || ++points < at) return;
    inc.dead = true;
    detached = h.detach();
  };
  return async (items, restored) => {
    if (!detached) return undefined;
    await detached;
    const stored = await store.load(RUN_ID);
    if (!stored) throw new Error(`the detached run ${RUN_ID} is not in the store`);
    // Detached after it ended (a body of a failed run still going): no crash, the run is over.
    const { status } = stored.snapshot;
    if (status !== "running" && status !== "waiting") return undefined;
    return { snapshot: stored.snapshot, published: items.length - restored };
  };
}

/**
 * Counts transitions and published items (emitted in the same transition as the stream's, so the
 * count at a transition is the stream's length then); at transition `at`, snapshots and kills.
 */
export function watch(
  h: WorkflowHandler<unknown, never>,
  inc: Incarnation,
  at: number | undefined,
  violations: string[],
): Crash {
  let published = 0;
  let transitions = 0;
  let point: CrashPoint | undefined;
  h.actor.on("*", (ev: AnyEvent) => {
    // A killed run's later rejections (its held answers, when it is cancelled) are not the run's.
    if (ev.type === "EventRejectedEvent" && !inc.dead) violations.push(`rejected: ${JSON.stringify(ev)}`);
    else if (ev.type !== "StepFinishedEvent") published++;
  });
  h.actor.subscribe({
    next: () => {
      if (point || at === undefined || ++transitions < at) return;
      const s = h.snapshot();
      if (s.status !== "running" && s.status !== "waiting") return;
      point = { snapshot: JSON.parse(JSON.stringify(s)) as WorkflowSnapshot, published };
      inc.dead = true;
      queueMicrotask(() => h.cancel());
    },
    error: () => undefined,
  });
  return async () => point;
}

const identity = (rec: Rec) => `${rec.step}|${rec.key}|${rec.attempt}`;

/** The records of every incarnation that stand, across the crashes of one run. */
export class Survivors {
  readonly kept: Rec[] = [];
  /** Attempts settled at an earlier crash (see `settledAt`): their re-runs are not counted. */
  readonly #optional = new Set<string>();

  constructor(private readonly flat: FlatPlan) {}

  /** Takes an incarnation's records; `point` when it was killed. */
  take(records: readonly Rec[], point: CrashPoint | undefined): void {
    // A settled attempt's optional re-run is not counted; an effect it made again still is.
    const own = records.filter((rec) => rec.kind === "effect" || !this.#optional.has(identity(rec)));
    if (!point) {
      this.kept.push(...own);
      return;
    }
    const settled = settledAt(point.snapshot, this.flat);
    for (const id of this.#optional) settled.delete(id);
    const before = own.filter((rec) => settled.has(identity(rec)) || survives(rec, point.snapshot));
    this.kept.push(...before);
    for (const id of settled) {
      this.#optional.add(id);
      // Its last op may have been the crash point itself: all that was left was to return.
      const [step, ...rest] = id.split("|");
      const attempt = Number(rest.pop());
      if (!before.some((r) => r.kind === "done" && identity(r) === id))
        this.kept.push({ kind: "done", step: step as string, key: rest.join("|"), attempt });
    }
  }
}

function inflightOf(snapshot: WorkflowSnapshot): readonly InflightEntry[] {
  return (snapshot.machine.context as { inflight: readonly InflightEntry[] }).inflight;
}

/**
 * Attempts in flight at the crash whose every ctx op is journaled and that return nothing: a fan
 * whose sends were all routed, a prompt that was sent, a collect (or the finisher's) that got `null`. What they did stands, and their re-run is
 * optional: the run may well end before it comes (the first StopEvent wins), so it is not counted.
 */
function settledAt(snapshot: WorkflowSnapshot, flat: FlatPlan): Set<string> {
  const out = new Set<string>();
  for (const inv of inflightOf(snapshot)) {
    const step = flat.steps.find((s) => s.name === inv.step);
    if (!step || inv.retryAt !== undefined) continue;
    const ops = step.plan.ops.length;
    const r = step.route;
    const journal = (inv.journal ?? {}) as Record<string, unknown>;
    const routed =
      (r.kind === "fan" && !r.returnLast && inv.ops === ops + r.sends.length) ||
      (r.kind === "ask" && r.send && inv.ops === ops + 1) ||
      ((r.kind === "collect" || r.kind === "finish") && inv.ops === ops + 1 && journal[ops] === null);
    if (routed) out.add(`${inv.step}|${invocationKey(inv.event)}|${inv.attempt}`);
  }
  return out;
}

/** Whether a record made before the crash point stands: see the module comment. */
function survives(rec: Rec, snapshot: WorkflowSnapshot): boolean {
  const inv = inflightOf(snapshot).find((x) => x.step === rec.step && invocationKey(x.event) === rec.key);
  if (!inv || rec.attempt < inv.attempt) return true;
  // A failed attempt whose retry had not started yet is over: the next attempt comes after the restore.
  if (rec.attempt === inv.attempt && inv.retryAt !== undefined) return true;
  return rec.kind === "effect" && JSON.stringify(inv.journal ?? null).includes(JSON.stringify(rec.token));
}
