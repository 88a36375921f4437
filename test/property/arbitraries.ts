/**
 * fast-check generators of plans (see plan.ts): small random graphs of chains, loops, fan-outs
 * (broadcast and targeted sends) ending in collects of both forms, prompts and waits, retries
 * with planned failures, random `numWorkers`, seeded scheduling noise and crash points.
 */
import fc from "fast-check";
import type { Block, Op, Plan, Seq, StepPlan } from "./plan.js";

export interface PlanOptions {
  readonly restores: boolean;
  /**
   * Now and then a loop of hundreds of instant iterations, checked for timer starvation (see
   * harness.ts): only without restores, to keep those cases fast.
   */
  readonly longLoops: boolean;
  /** At most this many steps per plan (keeps each case small and fast). */
  readonly maxSteps: number;
}

const MAX_DEPTH = 2;

/** What every generator of one plan shares. */
interface Gen {
  readonly human: Plan["human"];
  readonly longLoops: boolean;
}

function stepPlan({ human }: Gen): fc.Arbitrary<StepPlan> {
  const ops: fc.Arbitrary<Op>[] = [
    fc.constant("update"),
    fc.constant("set"),
    fc.constant("note"),
    fc.constant("run"),
    fc.constant("waitCustom"),
  ];
  if (human === "wait") ops.push(fc.constant("waitHuman"));
  const op = fc.oneof(...ops.map((arbitrary, i) => ({ arbitrary, weight: i < 4 ? 4 : 1 }))) as fc.Arbitrary<Op>;
  return fc
    .record({
      ops: fc.array(op, { maxLength: 4 }),
      add: fc.integer({ min: 0, max: 9 }),
      workers: fc.integer({ min: 1, max: 3 }),
      failures: fc.oneof(
        { arbitrary: fc.constant(0), weight: 3 },
        { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 1 },
      ),
      spare: fc.integer({ min: 0, max: 1 }),
      points: fc.array(fc.nat(), { minLength: 2, maxLength: 2 }),
      whereFn: fc.boolean(),
    })
    .map(({ ops, add, workers, failures, spare, points, whereFn }) => {
      const failAt = points.slice(0, failures).map((p) => p % (ops.length + 1));
      const attempts = failures > 0 || spare > 0 ? failures + 1 + spare : undefined;
      return attempts === undefined
        ? { ops, add, workers, failAt, whereFn }
        : { ops, add, workers, failAt, attempts, whereFn };
    });
}

function block(depth: number, g: Gen): fc.Arbitrary<Block> {
  const step = stepPlan(g);
  const times = fc.integer({ min: 1, max: 3 });
  const kinds: fc.WeightedArbitrary<Block>[] = [
    { weight: 50, arbitrary: step.map((s) => ({ kind: "step", step: s }) as const) },
    {
      weight: 10,
      arbitrary: fc.record({ step, times }).map(({ step, times }) => ({ kind: "loop", step, times }) as const),
    },
  ];
  if (g.longLoops) {
    // Thousands of instant iterations (no ops: the stream stays small) take well over STARVED_MS
    // of CPU time when nothing yields to the event loop (harness.ts).
    const long = fc
      .record({ step, times: fc.integer({ min: 1_500, max: 2_500 }) })
      .map(
        ({ step, times }) =>
          ({ kind: "loop", step: { ...step, ops: [], failAt: step.failAt.map(() => 0) }, times }) as const,
      );
    kinds.push({ weight: 1, arbitrary: long });
  }
  if (g.human === "ask") {
    const ask = fc.record({ step, send: fc.boolean() }).map(({ step, send }) => ({ kind: "ask", step, send }) as const);
    kinds.push({ weight: 10, arbitrary: ask });
  }
  if (depth < MAX_DEPTH) kinds.push({ weight: depth === 0 ? 30 : 10, arbitrary: fan(depth + 1, g) });
  return fc.oneof(...kinds);
}

function seq(depth: number, g: Gen): fc.Arbitrary<Seq> {
  return fc.array(block(depth, g), { minLength: 1, maxLength: depth === 0 ? 3 : 2 });
}

function fan(depth: number, g: Gen): fc.Arbitrary<Block> {
  const lane = fc.record({ branches: fc.array(seq(depth, g), { minLength: 1, maxLength: 2 }) });
  return fc
    .record({
      fanner: stepPlan(g),
      collector: stepPlan(g),
      lanes: fc.array(lane, { minLength: 1, maxLength: 2 }),
      sends: fc.array(fc.record({ lane: fc.nat(), target: fc.option(fc.nat(), { freq: 2 }) }), {
        minLength: 1,
        maxLength: 3,
      }),
      returnLast: fc.boolean(),
      form: fc.constantFrom("list" as const, "count" as const),
      orderSeed: fc.nat(),
      splitSeed: fc.nat(),
    })
    .map(({ lanes, sends, returnLast, ...rest }) => {
      const valid = sends.map(({ lane, target }) => {
        const l = lane % lanes.length;
        const n = (lanes[l] as { branches: readonly Seq[] }).branches.length;
        return { lane: l, target: target === null ? null : target % n };
      });
      const lastIsBroadcast = valid.at(-1)?.target === null;
      return { kind: "fan", lanes, sends: valid, returnLast: returnLast && lastIsBroadcast, ...rest } as const;
    });
}

/** How many steps a plan lays out (the answer step counted when some block asks). */
export function stepCount(plan: Pick<Plan, "body">): number {
  let asks = 0;
  const seqSize = (s: Seq): number => s.reduce((n, b) => n + blockSize(b), 0);
  const blockSize = (b: Block): number => {
    if (b.kind === "ask") asks++;
    if (b.kind !== "fan") return 1;
    return 2 + b.lanes.reduce((n, l) => n + l.branches.reduce((m, s) => m + seqSize(s), 0), 0);
  };
  return seqSize(plan.body) + 1 + (asks > 0 ? 1 : 0);
}

export function planArbitrary(options: PlanOptions): fc.Arbitrary<Plan> {
  return fc
    .constantFrom("ask" as const, "wait" as const)
    .chain((human) => {
      const g: Gen = { human, longLoops: options.longLoops };
      return fc.record({
        human: fc.constant(human),
        body: seq(0, g),
        finisher: stepPlan(g),
        answerStep: stepPlan(g),
        noiseSeed: fc.nat(),
        maxTicks: fc.integer({ min: 0, max: 4 }),
        crashes: options.restores
          ? fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 3 })
          : fc.constant([]),
        actors: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
        durable: options.restores
          ? fc.constantFrom(false as const, "memory" as const, "sqlite" as const)
          : fc.constant(false as const),
        eager: fc.boolean(),
        // Rare: a failing run checks little beyond its error.
        exhaust: fc.oneof({ arbitrary: fc.constant(null), weight: 12 }, { arbitrary: fc.nat(), weight: 1 }),
      });
    })
    .filter((plan) => stepCount(plan) <= options.maxSteps);
}
