/**
 * Builds the real workflow of a flat plan: one body interpreter for every step, which performs the
 * planned ctx ops with seeded scheduling noise (awaits of resolved promises, no timers), fails the
 * planned attempts, routes, and records what it did in the run's `world` (a resource) so the test
 * can count invocations and `ctx.run` effects outside the run.
 */
import { z } from "zod";
import {
  type AnyEvent,
  type AnyEventDef,
  type Context,
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type Workflow,
  workflow,
} from "../../src/index.js";
import { answerType, type FlatPlan, type FlatStep, invocationKey, noteType, type Op, ticksAt } from "./plan.js";

/** One process's view of a run ("incarnation"): dead once it was snapshotted and killed. */
export interface Incarnation {
  dead: boolean;
  readonly records: Rec[];
  readonly violations: string[];
  /** Durable runs: called at every point of every body, before its op (see crash.ts). */
  point?: () => void;
}

/** Something a body did: an attempt started, failed or completed, or a `ctx.run` effect ran. */
export interface Rec {
  readonly kind: "start" | "fail" | "done" | "effect";
  readonly step: string;
  readonly key: string;
  readonly attempt: number;
  readonly token?: string;
}

/** What a dead incarnation does after its crash point is not recorded: as if the process had died there. */
function record(inc: Incarnation, rec: Rec): void {
  if (!inc.dead) inc.records.push(rec);
}

/** An inline check failed (only a live incarnation's checks count: a killed run's ctx no longer writes). */
function violate(inc: Incarnation, message: string): void {
  if (!inc.dead) inc.violations.push(message);
}

export interface Built {
  readonly wf: Workflow<any>;
  readonly defs: ReadonlyMap<string, AnyEventDef>;
}

const fields = { id: z.string(), w: z.number(), n: z.number() };
const Note = defineEvent(noteType, { tag: z.string() });

/** Builds an event with a definition whose fields the generator knows but the types do not. */
export function make(def: AnyEventDef, fields: object): AnyEvent {
  return (def as unknown as (f: object) => AnyEvent)(fields);
}

/**
 * Scheduling noise at a point of a body: n awaits of resolved promises, n from a seeded hash; the
 * highest n yields a whole turn of the event loop instead (setImmediate: no timer, no sleeping).
 */
export function noise(seed: number, max: number, point: string): Promise<void> | undefined {
  const n = ticksAt(seed, max, point);
  if (n === 0) return undefined;
  if (n === max && max > 1) return new Promise((resolve) => setImmediate(resolve));
  let p = Promise.resolve();
  for (let i = 1; i < n; i++) p = p.then(() => undefined);
  return p;
}

export function buildWorkflow(flat: FlatPlan, noiseSeed: number, maxTicks: number, timeout: number): Built {
  const defs = new Map<string, AnyEventDef>([
    ["StartEvent", StartEvent],
    ["StopEvent", StopEvent],
    ["InputRequiredEvent", InputRequiredEvent],
    ["HumanResponseEvent", HumanResponseEvent],
  ]);
  for (const type of flat.types) defs.set(type, defineEvent(type, fields));
  const waits = new Map(
    flat.customWaiters.map((s) => [s, defineEvent(answerType(s), { key: z.string(), v: z.number() })]),
  );
  for (const def of waits.values()) defs.set(def.type, def);
  const def = (type: string) => defs.get(type) as AnyEventDef;

  let wf: any = workflow({ name: "property", timeout, external: [...waits.values()] });
  for (const step of flat.steps) {
    const awaited = waits.get(step.name);
    const options = {
      accepts: step.accepts.map(def),
      emits: step.emits.map(def),
      ...(awaited ? { awaits: [awaited] } : {}),
      numWorkers: step.plan.workers,
      ...(step.plan.attempts !== undefined ? { retry: { attempts: step.plan.attempts, delay: 0 } } : {}),
    };
    const env: BodyEnv = { step, def, noiseSeed, maxTicks, wait: awaited };
    wf = wf.step(step.name, options, (ctx: Context, ev: AnyEvent) => body(ctx, ev, env));
  }
  return { wf, defs };
}

interface BodyEnv {
  readonly step: FlatStep;
  readonly def: (type: string) => AnyEventDef;
  readonly noiseSeed: number;
  readonly maxTicks: number;
  readonly wait: AnyEventDef | undefined;
}

async function body(ctx: Context, ev: AnyEvent, env: BodyEnv): Promise<AnyEvent | null> {
  const { step } = env;
  const inc = ctx.resources.world as Incarnation;
  const key = invocationKey(ev);
  const attempt = ctx.attempt.number;
  record(inc, { kind: "start", step: step.name, key, attempt });
  const { ops, failAt } = step.plan;
  let got = 0;
  for (let i = 0; i <= ops.length; i++) {
    const tag = `${step.name}|${key}|${attempt}|${i}`;
    await noise(env.noiseSeed, env.maxTicks, tag);
    inc.point?.();
    if (failAt[attempt - 1] === i) {
      record(inc, { kind: "fail", step: step.name, key, attempt });
      throw new Error(`planned failure of ${step.name}, attempt ${attempt}`);
    }
    if (i < ops.length) got += await applyOp(ctx, ops[i] as Op, tag, inc, env);
  }
  const out = pass(ctx, ev, got, env, inc);
  record(inc, { kind: "done", step: step.name, key, attempt });
  return out;
}

async function applyOp(ctx: Context, op: Op, tag: string, inc: Incarnation, env: BodyEnv): Promise<number> {
  const step = env.step.name;
  const attempt = ctx.attempt.number;
  switch (op) {
    case "update":
      ctx.update<number>(`sum:${step}`, (n) => (n ?? 0) + 1);
      return 0;
    case "set": {
      const key = `k|${step}|${tag.split("|").slice(1, -2).join("|")}`;
      ctx.set(key, attempt);
      const back = ctx.get(key);
      if (back !== attempt) violate(inc, `${tag}: ctx.get after ctx.set gave ${JSON.stringify(back)}`);
      return 0;
    }
    case "note":
      ctx.writeEventToStream(Note({ tag }));
      return 0;
    case "run": {
      const got = await ctx.run(`fx${tag.split("|").at(-1)}`, async () => {
        await noise(env.noiseSeed, env.maxTicks, `${tag}|fx`);
        record(inc, { kind: "effect", step, key: tag.split("|").slice(1, -2).join("|"), attempt, token: tag });
        return tag;
      });
      if (got !== tag) violate(inc, `${tag}: ctx.run returned ${JSON.stringify(got)}`);
      return 0;
    }
    case "waitCustom":
    case "waitHuman": {
      const type = op === "waitCustom" ? (env.wait as AnyEventDef) : HumanResponseEvent;
      const where = env.step.plan.whereFn ? (e: AnyEvent) => e.key === tag : { key: tag };
      const prompt = InputRequiredEvent({ prefix: "wait", payload: { key: tag, type: type.type } });
      const answer = await ctx.waitForEvent(type, { where, prompt } as never);
      if (answer.key !== tag) violate(inc, `${tag}: waitForEvent got the answer for ${String(answer.key)}`);
      return op === "waitCustom" ? (answer as AnyEvent & { v: number }).v : 1;
    }
  }
}

/** Routes after the ops: returns the event to return (sends and collects happen here). */
function pass(ctx: Context, ev: AnyEvent, got: number, env: BodyEnv, inc: Incarnation): AnyEvent | null {
  const { step, def } = env;
  const r = step.route;
  const w = (ev.w as number) + step.plan.add + got;
  const id = ev.id as string;
  switch (r.kind) {
    case "forward":
      return make(def(r.out), { id, w, n: 0 });
    case "loop": {
      const done = ev.type === r.again ? (ev.n as number) : 0;
      return done + 1 < r.times ? make(def(r.again), { id, w, n: done + 1 }) : make(def(r.out), { id, w, n: 0 });
    }
    case "ask": {
      const prompt = InputRequiredEvent({ prefix: "ask", payload: { id, w, n: 0, to: r.out } });
      if (!r.send) return prompt;
      ctx.sendEvent(prompt);
      return null;
    }
    case "answer":
      return make(def(ev.to as string), { id, w, n: 0 });
    case "fan": {
      const last = r.returnLast ? r.sends.length - 1 : -1;
      let returned: AnyEvent | null = null;
      r.sends.forEach((s, j) => {
        const sent = make(def(s.type), { id: `${id}.${j}`, w: j === 0 ? w : 0, n: 0 });
        if (j === last) returned = sent;
        else if (s.step === null) ctx.sendEvent(sent);
        else ctx.sendEvent(sent, { step: s.step });
      });
      return returned;
    }
    case "collect": {
      const expected = r.form === "list" ? r.list.map(def) : Object.fromEntries(r.counts);
      const all = ctx.collectEvents(ev, expected as never) as AnyEvent[] | null;
      if (!all) return null;
      const order = r.form === "list" ? r.list : r.counts.flatMap(([t, c]) => Array.from({ length: c }, () => t));
      const types = all.map((e) => e.type);
      if (JSON.stringify(types) !== JSON.stringify(order))
        violate(inc, `${step.name}: collectEvents gave ${types.join(",")}, expected ${order.join(",")}`);
      // Type and id: two groups may hold the same ids under different types.
      const ids = all.map((e) => `${e.type}:${String(e.id)}`).sort();
      const sum = all.reduce((s, e) => s + (e.w as number), 0);
      return make(def(r.out), { id: `c(${ids.join(",")})`, w: sum + step.plan.add + got, n: 0 });
    }
    case "finish": {
      const all = ctx.collectEvents(ev, { [ev.type]: r.count }) as AnyEvent[] | null;
      if (!all) return null;
      const total = all.reduce((s, e) => s + (e.w as number), 0) + step.plan.add + got;
      const sums = Object.fromEntries(r.sums.map((s) => [s, ctx.get(`sum:${s}`, 0)]));
      return StopEvent({ result: { w: total, sums } });
    }
  }
}
