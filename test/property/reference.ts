/**
 * A reference interpreter of the semantics (routing, collect, waits, retries, endings), written for the property tests and sharing
 * no code with the runtime: one FIFO of deliveries, one step body at a time, every prompt answered
 * at once. Plans are confluent (see plan.ts), so this one schedule predicts every schedule.
 *
 * What it models: routing to every acceptor or to one targeted step; `collectEvents` buffers per
 * step that release exactly the expected events (oldest first per type) and keep the rest; retries
 * where every attempt's ctx effects apply (a retry is a new attempt, not a replay); `ctx.run`
 * called once per attempt that reaches it; prompts streamed and answered; the first StopEvent
 * ending the run; the run failing when a step exhausts its attempts.
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

/** What the reference predicts beyond the outcome: the keys of the custom waits it answered. */
export interface Prediction extends Outcome {
  readonly customWaits: readonly string[];
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

/** Interprets a flat plan; `input` is the start event's fields. */
export function interpret(flat: FlatPlan, input: Record<string, unknown>): Prediction {
  return new Interpreter(flat).run(input);
}

class Failed {
  constructor(
    readonly step: string,
    readonly attempts: number,
  ) {}
}

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};
const weight = (events: readonly Ev[]) => events.reduce((s, e) => s + (e.w as number), 0);

class Interpreter {
  readonly #queue: { step: FlatStep; event: Ev }[] = [];
  readonly #buffers = new Map<string, Ev[]>();
  readonly #state = new Map<string, unknown>();
  readonly #stream: string[] = [];
  readonly #effects: string[] = [];
  readonly #customWaits: string[] = [];
  readonly #starts: Record<string, number> = {};
  readonly #completions: Record<string, number> = {};

  constructor(private readonly flat: FlatPlan) {}

  run(input: Record<string, unknown>): Prediction {
    this.#route({ type: "StartEvent", ...input });
    let result: Outcome["result"] | undefined;
    try {
      while (this.#queue.length > 0 && !result) {
        const { step, event } = this.#queue.shift() as { step: FlatStep; event: Ev };
        const out = this.#invoke(step, event);
        if (out?.type === "StopEvent") result = { ok: true, value: out.result };
        else if (out) this.#route(out);
      }
    } catch (error) {
      if (!(error instanceof Failed)) throw error;
      result = { ok: false, step: error.step, attempts: error.attempts };
    }
    if (!result) throw new Error("reference: the plan never stops (a generator bug)");
    if (result.ok && (this.#queue.length > 0 || [...this.#buffers.values()].some((b) => b.length > 0)))
      throw new Error("reference: work left after the StopEvent (a generator bug)");
    return this.#outcome(result);
  }

  #outcome(result: Outcome["result"]): Prediction {
    const sums: Record<string, unknown> = {};
    const sets: string[] = [];
    for (const [k, v] of this.#state) {
      if (k.startsWith("sum:")) sums[k.slice(4)] = v;
      else sets.push(`${k.split("|")[1]}=${String(v)}`);
    }
    return {
      result,
      starts: this.#starts,
      completions: this.#completions,
      stream: this.#stream.sort(),
      terminal: result.ok ? "StopEvent" : "WorkflowFailedEvent",
      state: { sums, sets: sets.sort() },
      effects: this.#effects.sort(),
      customWaits: this.#customWaits,
    };
  }

  /** Delivers to every acceptor, or to `only`; a prompt is streamed and answered at once. */
  #route(event: Ev, only: string | null = null): void {
    if (event.type === "InputRequiredEvent") {
      this.#stream.push(streamItem(event));
      // An `ask` prompt's answer echoes its payload.
      this.#route({ type: "HumanResponseEvent", response: "ok", ...(event.payload as object) });
      return;
    }
    const steps = this.flat.steps;
    const targets = only ? steps.filter((s) => s.name === only) : steps.filter((s) => s.accepts.includes(event.type));
    for (const step of targets) this.#queue.push({ step, event });
  }

  /** Runs the attempts of one invocation; the event it returns (sends are routed here). */
  #invoke(step: FlatStep, event: Ev): Ev | null {
    const key = invocationKey(event);
    for (let n = 1; ; n++) {
      bump(this.#starts, step.name);
      const got = this.#attempt(step, key, n);
      if (got === null) {
        if (n >= (step.plan.attempts ?? 1)) throw new Failed(step.name, n);
        continue;
      }
      bump(this.#completions, step.name);
      return this.#pass(step, event, got);
    }
  }

  /** One attempt's ops up to its planned failure: null when it fails, else what its waits got. */
  #attempt(step: FlatStep, key: string, n: number): number | null {
    const { ops, failAt } = step.plan;
    let got = 0;
    for (let i = 0; i <= ops.length; i++) {
      if (failAt[n - 1] === i) return null;
      if (i < ops.length) got += this.#op(ops[i] as Op, step.name, key, n, `${step.name}|${key}|${n}|${i}`);
    }
    return got;
  }

  #op(op: Op, step: string, key: string, n: number, tag: string): number {
    switch (op) {
      case "update":
        this.#state.set(`sum:${step}`, ((this.#state.get(`sum:${step}`) as number | undefined) ?? 0) + 1);
        return 0;
      case "set":
        this.#state.set(`k|${step}|${key}`, n);
        return 0;
      case "note":
        this.#stream.push(streamItem({ type: noteType, tag }));
        return 0;
      case "run":
        this.#effects.push(dropKey(tag));
        return 0;
      case "waitCustom":
      case "waitHuman":
        if (op === "waitCustom") this.#customWaits.push(tag);
        // The prompt is streamed; the answer (worth 1) comes at once.
        this.#stream.push(`wait|${dropKey(tag)}`);
        return 1;
    }
  }

  /** The step's routing after its ops. */
  #pass(step: FlatStep, ev: Ev, got: number): Ev | null {
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
        // Sent or returned, a prompt is routed the same way.
        return { type: "InputRequiredEvent", prefix: "ask", payload: { id, w, n: 0, to: r.out } };
      case "answer":
        return { type: ev.to as string, id, w, n: 0 };
      case "fan": {
        const last = r.returnLast ? r.sends.length - 1 : -1;
        const sent = r.sends.map((s, j) => ({ type: s.type, id: `${id}.${j}`, w: j === 0 ? w : 0, n: 0 }) as Ev);
        r.sends.forEach((s, j) => {
          if (j !== last) this.#route(sent[j] as Ev, s.step);
        });
        return last < 0 ? null : (sent[last] as Ev);
      }
      case "collect": {
        const taken = this.#collect(step.name, ev, r.counts);
        if (!taken) return null;
        // The collected event's weight: the sum of what was collected.
        const ids = taken.map((e) => `${e.type}:${String(e.id)}`).sort();
        return { type: r.out, id: `c(${ids.join(",")})`, w: weight(taken) + step.plan.add + got, n: 0 };
      }
      case "finish": {
        const taken = this.#collect(step.name, ev, [[ev.type, r.count]]);
        if (!taken) return null;
        const sums = Object.fromEntries(r.sums.map((s) => [s, this.#state.get(`sum:${s}`) ?? 0]));
        return { type: "StopEvent", result: { w: weight(taken) + step.plan.add + got, sums } };
      }
    }
  }

  /** Buffers `ev` at `step`; when every count is there, takes the oldest of each type. */
  #collect(step: string, ev: Ev, counts: readonly (readonly [string, number])[]): Ev[] | null {
    const buffer = this.#buffers.get(step) ?? [];
    buffer.push(ev);
    this.#buffers.set(step, buffer);
    const taken: Ev[] = [];
    for (const [type, count] of counts) {
      const have = buffer.filter((e) => e.type === type);
      if (have.length < count) return null;
      taken.push(...have.slice(0, count));
    }
    this.#buffers.set(
      step,
      buffer.filter((e) => !taken.includes(e)),
    );
    return taken;
  }
}
