/**
 * A reference interpreter of the semantics (SPEC §4-8), written for the property tests and sharing
 * no code with the runtime: one FIFO of deliveries, one step body at a time, every prompt answered
 * at once. Plans are confluent (see plan.ts), so this one schedule predicts every schedule.
 *
 * What it models: routing to every acceptor or to one targeted step; `collectEvents` buffers per
 * step that release exactly the expected events and keep the rest; retries where every attempt's
 * ctx effects apply (a retry is a new attempt, not a replay); `ctx.run` called once per attempt
 * that reaches it; prompts streamed and answers routed; the run failing when a step exhausts its
 * attempts.
 */
import { type FlatPlan, type FlatStep, invocationKey, noteType, type Op } from "./plan.js";

export interface Ev {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** What a run did, in a schedule-independent form (multisets sorted). */
export interface Outcome {
  readonly result: { ok: true; value: unknown } | { ok: false; step: string; attempts: number };
  /** Attempts started and bodies completed, per step (steps never run are absent). */
  readonly starts: Readonly<Record<string, number>>;
  readonly completions: Readonly<Record<string, number>>;
  /** Stream items without the terminal one, projected (see `streamItem`), sorted. */
  readonly stream: readonly string[];
  readonly terminal: string;
  /** `sum:<step>` values, and `<step>=<value>` for every `k|<step>|...` key, sorted. */
  readonly state: { readonly sums: Readonly<Record<string, unknown>>; readonly sets: readonly string[] };
  /** `ctx.run` effects, projected to `<step>|<attempt>|<op>`, sorted. */
  readonly effects: readonly string[];
}

/** A stream item, without the parts that depend on how events were grouped by collects. */
export function streamItem(ev: Ev): string {
  if (ev.type === noteType) return `note|${dropKey(String(ev.tag))}`;
  if (ev.type === "InputRequiredEvent") {
    const payload = ev.payload as Record<string, unknown>;
    if (ev.prefix === "ask") return `ask|${String(payload.to)}`;
    return `wait|${dropKey(String(payload.key))}`;
  }
  return ev.type;
}

/** `<step>|<invocation key>|<attempt>|<op>` → `<step>|<attempt>|<op>`. */
export function dropKey(tag: string): string {
  const parts = tag.split("|");
  return [parts[0], ...parts.slice(-2)].join("|");
}

interface Delivery {
  readonly step: FlatStep;
  readonly event: Ev;
}

class Failed {
  constructor(
    readonly step: string,
    readonly attempts: number,
  ) {}
}

/** What the reference predicts beyond the outcome: the keys of the custom waits it answered. */
export interface Prediction extends Outcome {
  readonly customWaits: readonly string[];
}

/** Interprets a flat plan; `input` is the start event's fields. */
export function interpret(flat: FlatPlan, input: Record<string, unknown>): Prediction {
  const byName = new Map(flat.steps.map((s) => [s.name, s]));
  const queue: Delivery[] = [];
  const buffers = new Map<string, Ev[]>();
  const state = new Map<string, unknown>();
  const stream: string[] = [];
  const effects: string[] = [];
  const customWaits: string[] = [];
  const starts: Record<string, number> = {};
  const completions: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };

  const route = (event: Ev, only: string | null = null) => {
    if (event.type === "InputRequiredEvent") {
      stream.push(streamItem(event));
      // Every prompt is answered; an `ask` prompt's answer echoes its payload.
      route({ type: "HumanResponseEvent", response: "ok", ...(event.payload as object) });
      return;
    }
    const targets = only ? [byName.get(only) as FlatStep] : flat.steps.filter((s) => s.accepts.includes(event.type));
    for (const step of targets) queue.push({ step, event });
  };

  /** One attempt of a body: its ops up to the planned failure; the answers its waits got. */
  const attempt = (step: FlatStep, key: string, n: number): { failed: boolean; got: number } => {
    const { ops, failAt } = step.plan;
    const failBefore = failAt[n - 1];
    let got = 0;
    for (let i = 0; i <= ops.length; i++) {
      if (failBefore === i) return { failed: true, got };
      if (i === ops.length) break;
      const tag = `${step.name}|${key}|${n}|${i}`;
      got += applyOp(ops[i] as Op, step.name, key, n, tag);
    }
    return { failed: false, got };
  };

  const applyOp = (op: Op, step: string, key: string, n: number, tag: string): number => {
    switch (op) {
      case "update":
        state.set(`sum:${step}`, ((state.get(`sum:${step}`) as number | undefined) ?? 0) + 1);
        return 0;
      case "set":
        state.set(`k|${step}|${key}`, n);
        return 0;
      case "note":
        stream.push(streamItem({ type: noteType, tag }));
        return 0;
      case "run":
        effects.push(dropKey(tag));
        return 0;
      case "waitCustom":
        customWaits.push(tag);
        stream.push(`wait|${dropKey(tag)}`);
        return 1;
      case "waitHuman":
        // The prompt is streamed; the answer (v = 1) comes at once.
        stream.push(`wait|${dropKey(tag)}`);
        return 1;
    }
  };

  const run = (d: Delivery): Ev | null => {
    const { step, event } = d;
    const key = invocationKey(event);
    const limit = step.plan.attempts ?? 1;
    for (let n = 1; ; n++) {
      bump(starts, step.name);
      const { failed, got } = attempt(step, key, n);
      if (failed) {
        if (n >= limit) throw new Failed(step.name, n);
        continue;
      }
      bump(completions, step.name);
      return pass(step, event, got);
    }
  };

  /** The step's routing after its ops: returns the events to route (sends are routed here). */
  const pass = (step: FlatStep, ev: Ev, got: number): Ev | null => {
    const r = step.route;
    const w = (ev.w as number) + step.plan.add + got;
    const id = ev.id as string;
    switch (r.kind) {
      case "forward":
        return { type: r.out, id, w, n: 0 };
      case "loop": {
        const done = ev.type === r.again ? (ev.n as number) : 0;
        return done + 1 < r.times ? { type: r.again, id, w, n: done + 1 } : { type: r.out, id, w, n: 0 };
      }
      case "ask":
        return { type: "InputRequiredEvent", prefix: "ask", payload: { id, w, n: 0, to: r.out } };
      case "answer":
        return { type: ev.to as string, id, w, n: 0 };
      case "fan": {
        const last = r.returnLast ? r.sends.length - 1 : -1;
        r.sends.forEach((s, j) => {
          if (j !== last) route({ type: s.type, id: `${id}.${j}`, w: j === 0 ? w : 0, n: 0 }, s.step);
        });
        return last < 0
          ? null
          : { type: (r.sends[last] as { type: string }).type, id: `${id}.${last}`, w: last === 0 ? w : 0, n: 0 };
      }
      case "collect": {
        const taken = collect(step.name, ev, r.counts);
        if (!taken) return null;
        // The collected event's weight replaces this invocation's: the sum of what was collected.
        const ids = taken.map((e) => `${e.type}:${String(e.id)}`).sort();
        return { type: r.out, id: `c(${ids.join(",")})`, w: weight(taken) + step.plan.add + got, n: 0 };
      }
      case "finish": {
        const taken = collect(step.name, ev, [[ev.type, r.count]]);
        if (!taken) return null;
        return { type: "StopEvent", result: finalResult(weight(taken) + step.plan.add + got, r.sums) };
      }
    }
  };

  /** Buffers `ev` at `step`; when every count is there, takes the oldest of each type. */
  const collect = (step: string, ev: Ev, counts: readonly (readonly [string, number])[]): Ev[] | null => {
    const buffer = buffers.get(step) ?? [];
    buffer.push(ev);
    buffers.set(step, buffer);
    const taken: Ev[] = [];
    for (const [type, count] of counts) {
      const have = buffer.filter((e) => e.type === type);
      if (have.length < count) return null;
      taken.push(...have.slice(0, count));
    }
    buffers.set(
      step,
      buffer.filter((e) => !taken.includes(e)),
    );
    return taken;
  };
  const weight = (events: readonly Ev[]) => events.reduce((s, e) => s + (e.w as number), 0);

  const finalResult = (w: number, sums: readonly string[]) => ({
    w,
    sums: Object.fromEntries(sums.map((s) => [s, state.get(`sum:${s}`) ?? 0])),
  });

  route({ type: "StartEvent", ...input });
  let result: Outcome["result"] | undefined;
  try {
    while (queue.length > 0 && !result) {
      const out = run(queue.shift() as Delivery);
      if (out) {
        if (out.type === "StopEvent") result = { ok: true, value: out.result };
        else route(out);
      }
    }
  } catch (error) {
    if (!(error instanceof Failed)) throw error;
    result = { ok: false, step: error.step, attempts: error.attempts };
  }
  if (!result) throw new Error("reference: the plan never stops (a generator bug)");
  if (result.ok && (queue.length > 0 || [...buffers.values()].some((b) => b.length > 0)))
    throw new Error("reference: work left after the StopEvent (a generator bug)");

  const sums: Record<string, unknown> = {};
  const sets: string[] = [];
  for (const [k, v] of state) {
    if (k.startsWith("sum:")) sums[k.slice(4)] = v;
    else sets.push(`${k.split("|")[1]}=${String(v)}`);
  }
  return {
    result,
    starts,
    completions,
    stream: stream.sort(),
    terminal: result.ok ? "StopEvent" : "WorkflowFailedEvent",
    state: { sums, sets: sets.sort() },
    effects: effects.sort(),
    customWaits,
  };
}
