/**
 * The shape of a generated workflow ("plan") and its flat form (see flatten.ts): the steps, the
 * event types they accept and emit, and how each one routes. Both the real workflow (build.ts) and
 * the reference interpreter (reference.ts) are made from the flat form, so they run the same program.
 *
 * Every plan is confluent by construction: whatever the schedule, the result, the counts, the
 * stream (as a multiset), the state and the effects are the same. Weights only ever add up, every
 * fan-out ends in a collect that waits for all of its events, and a step's ctx ops all happen
 * before it routes, so the single StopEvent comes after every other step body has finished.
 */

/** A ctx operation of a step body, in order. Each is preceded by seeded scheduling noise. */
export type Op =
  /** `ctx.update("sum:<step>", n => n + 1)`: commutative, so its final value is deterministic. */
  | "update"
  /** `ctx.set("k|<step>|<key>", attempt)` then `ctx.get` of it (read-your-writes). */
  | "set"
  /** `ctx.writeEventToStream(Note({ tag }))`. */
  | "note"
  /** `await ctx.run("fx<i>", fn)`: `fn` counts its effect in a Map outside the run. */
  | "run"
  /** `await ctx.waitForEvent(W<step>, { where: { key }, prompt })`, answered from outside. */
  | "waitCustom"
  /** `await ctx.waitForEvent(HumanResponseEvent, { where: { key }, prompt })`. */
  | "waitHuman";

/** What one step does before it routes, and how it fails. */
export interface StepPlan {
  readonly ops: readonly Op[];
  /** Added to the weight of the event the step passes on. */
  readonly add: number;
  readonly workers: number;
  /**
   * `failAt[k]` is the op index before which attempt k + 1 throws (`ops.length`: after every op,
   * before routing). Attempts after the last entry succeed.
   */
  readonly failAt: readonly number[];
  /** `retry.attempts`; undefined: no retry policy (then `failAt` is empty or exhausts at once). */
  readonly attempts?: number;
  /** Waits match with a predicate function instead of a field object. */
  readonly whereFn: boolean;
}

export type Seq = readonly Block[];

/** A piece of the graph that turns one incoming event into exactly one outgoing event. */
export type Block =
  | { readonly kind: "step"; readonly step: StepPlan }
  /** A step that accepts its own `Again` event and passes it on `times` times before going on. */
  | { readonly kind: "loop"; readonly step: StepPlan; readonly times: number }
  /** A step that returns an InputRequiredEvent; the shared answer step continues the block. */
  /** `send`: the prompt is sent with `ctx.sendEvent` (the step returns nothing) instead of returned. */
  | { readonly kind: "ask"; readonly step: StepPlan; readonly send: boolean }
  | {
      readonly kind: "fan";
      readonly fanner: StepPlan;
      /** Each lane is one event type; two branches in a lane both accept it (targeted sends). */
      readonly lanes: readonly { readonly branches: readonly Seq[] }[];
      /** `target`: a branch index of the lane (`{ step }` send), or null: every branch of the lane. */
      readonly sends: readonly { readonly lane: number; readonly target: number | null }[];
      /** The last send is returned instead of sent (only when it is a broadcast). */
      readonly returnLast: boolean;
      readonly collector: StepPlan;
      /** `collectEvents(ev, [A, B, ...])` or `collectEvents(ev, { A: n, ... })`. */
      readonly form: "list" | "count";
      /** Shuffles the list form's order and the count form's key order. */
      readonly orderSeed: number;
      /** Picks k, a divisor of the counts: the collect releases k groups per fan-out (extras wait). */
      readonly splitSeed: number;
    };

export interface Plan {
  readonly body: Seq;
  readonly finisher: StepPlan;
  /** "ask": some blocks return prompts and one step accepts HumanResponseEvent; "wait": steps await it. */
  readonly human: "ask" | "wait";
  readonly answerStep: StepPlan;
  /** Seeds the scheduling noise (microtask yields) of bodies, effects and answers. */
  readonly noiseSeed: number;
  readonly maxTicks: number;
  /** Crash points: the transition (counted per incarnation) at which each incarnation is snapshotted and killed. */
  readonly crashes: readonly number[];
  /**
   * Durable: the run is saved in a store (MemoryStore, or SqliteStore on an in-memory database:
   * snapshots through SQL and JSON text); each crash is `handler.detach()` at the k-th body
   * point (`crashes`), each restore `wf.resume(runId, { store })`, and pending prompts may be
   * answered between incarnations through the store's inbox (`wf.sendEvent(runId, ev, { store })`).
   */
  readonly durable: false | "memory" | "sqlite";
  /** Per incarnation: host every step invocation as its own XState actor (what an inspected run does). */
  readonly actors: readonly boolean[];
  /**
   * Answers every custom wait the reference predicts right after `run()`, before any step could
   * register its waiter (the events must be held until a waiter takes them), instead of on its prompt.
   */
  readonly eager: boolean;
  /** A step (index into the flat steps, modulo their number) whose every attempt fails: the run must fail. */
  readonly exhaust: number | null;
}

/** How a flat step passes its event on. */
export type Route =
  | { readonly kind: "forward"; readonly out: string }
  | { readonly kind: "loop"; readonly again: string; readonly out: string; readonly times: number }
  | { readonly kind: "ask"; readonly out: string; readonly send: boolean }
  | { readonly kind: "answer" }
  | {
      readonly kind: "fan";
      readonly sends: readonly { readonly type: string; readonly step: string | null }[];
      readonly returnLast: boolean;
    }
  | {
      readonly kind: "collect";
      readonly form: "list" | "count";
      /** The count form's entries in key order. */
      readonly counts: readonly (readonly [type: string, count: number])[];
      /** The list form's list. */
      readonly list: readonly string[];
      readonly out: string;
    }
  /** Collects the `count` events the body passes on, then stops with their weight and the sums. */
  | { readonly kind: "finish"; readonly sums: readonly string[]; readonly count: number };

export interface FlatStep {
  readonly name: string;
  readonly plan: StepPlan;
  readonly accepts: readonly string[];
  readonly emits: readonly string[];
  readonly route: Route;
}

export interface FlatPlan {
  readonly steps: readonly FlatStep[];
  /** Every user event type (not built-ins, not Note or the answer types `W<step>`). */
  readonly types: readonly string[];
  /** Steps with a `waitCustom` op: each awaits its own `W<step>` type from outside. */
  readonly customWaiters: readonly string[];
}

export const noteType = "Note";
export const answerType = (step: string) => `W${step}`;

/** A deterministic shuffle (Fisher-Yates on a small LCG). */
export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let x = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = x % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Seeded scheduling noise: how many microtask yields at a point, from a string hash. */
export function ticksAt(seed: number, max: number, point: string): number {
  if (max === 0) return 0;
  let h = seed >>> 0;
  for (let i = 0; i < point.length; i++) h = Math.imul(h ^ point.charCodeAt(i), 16777619) >>> 0;
  return h % (max + 1);
}

/** The key of the invocation an event starts at a step: unique per step within a run. */
export function invocationKey(ev: { type: string; id?: unknown; n?: unknown; to?: unknown }): string {
  return `${ev.type}|${String(ev.to ?? "")}|${String(ev.id)}|${String(ev.n ?? 0)}`;
}
