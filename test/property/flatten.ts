/**
 * Lays a plan out as named steps and event types (see plan.ts). Each laid-out piece also knows its
 * multiplier: how many events it passes on per event it takes (a fan whose collect is split in k
 * groups passes on k), so the finisher knows how many events to wait for.
 */
import {
  type Block,
  type FlatPlan,
  type FlatStep,
  type Plan,
  type Route,
  type Seq,
  type StepPlan,
  shuffle,
} from "./plan.js";

interface Laid {
  readonly out: string;
  /** The first step (the one that takes the input). */
  readonly head: string;
  /** Events passed on per event taken. */
  readonly times: number;
}

type Fan = Extract<Block, { kind: "fan" }>;

/** The steps and event types of a plan, named in a fixed order. */
export function flatten(plan: Plan): FlatPlan {
  const layout = new Layout();
  const body = layout.seq(plan.body, "StartEvent");
  const sums: string[] = [];
  // The answer step exists only when some block asks; it emits every asking block's output.
  if (layout.asks.length > 0) layout.add(plan.answerStep, ["HumanResponseEvent"], layout.asks, { kind: "answer" });
  layout.add(plan.finisher, [body.out], ["StopEvent"], { kind: "finish", sums, count: body.times });
  const steps = layout.steps;
  if (plan.exhaust !== null) {
    const k = plan.exhaust % steps.length;
    const s = steps[k] as FlatStep;
    const failAt = s.plan.failAt.length > 0 ? s.plan.failAt : [s.plan.ops.length];
    steps[k] = { ...s, plan: { ...s.plan, failAt, attempts: failAt.length } };
  }
  for (const s of steps) if (s.plan.ops.includes("update")) sums.push(s.name);
  const customWaiters = steps.filter((s) => s.plan.ops.includes("waitCustom")).map((s) => s.name);
  return { steps: steps.map(declarePrompts), types: layout.types, customWaiters };
}

/** A step whose waits prompt declares the prompt's type, as it declares the events it returns or sends. */
function declarePrompts(step: FlatStep): FlatStep {
  const prompts = step.plan.ops.some((op) => op === "waitCustom" || op === "waitHuman");
  if (!prompts || step.emits.includes("InputRequiredEvent")) return step;
  return { ...step, emits: [...step.emits, "InputRequiredEvent"] };
}

class Layout {
  readonly steps: FlatStep[] = [];
  readonly types: string[] = [];
  readonly asks: string[] = [];

  fresh(): string {
    const t = `E${this.types.length}`;
    this.types.push(t);
    return t;
  }

  add(plan: StepPlan, accepts: readonly string[], emits: readonly string[], route: Route): string {
    const name = `s${this.steps.length}`;
    this.steps.push({ name, plan, accepts, emits, route });
    return name;
  }

  seq(blocks: Seq, input: string): Laid {
    let out = input;
    let head = "";
    let times = 1;
    for (const block of blocks) {
      const laid = this.block(block, out);
      head ||= laid.head;
      out = laid.out;
      times *= laid.times;
    }
    return { out, head, times };
  }

  block(block: Block, input: string): Laid {
    switch (block.kind) {
      case "step": {
        const out = this.fresh();
        return { out, head: this.add(block.step, [input], [out], { kind: "forward", out }), times: 1 };
      }
      case "loop": {
        const again = this.fresh();
        const out = this.fresh();
        const route: Route = { kind: "loop", again, out, times: block.times };
        return { out, head: this.add(block.step, [input, again], [again, out], route), times: 1 };
      }
      case "ask": {
        const out = this.fresh();
        this.asks.push(out);
        return {
          out,
          head: this.add(block.step, [input], ["InputRequiredEvent"], { kind: "ask", out, send: block.send }),
          times: 1,
        };
      }
      case "fan":
        return this.fan(block, input);
    }
  }

  fan(block: Fan, input: string): Laid {
    const laneTypes = block.lanes.map(() => this.fresh());
    // The fanner comes first, so step names follow the flow.
    const at = this.steps.length;
    this.steps.push(undefined as unknown as FlatStep);
    const lanes = block.lanes.map((lane, l) => lane.branches.map((b) => this.seq(b, laneTypes[l] as string)));
    const sends = block.sends.map((s) => ({
      type: laneTypes[s.lane] as string,
      step: s.target === null ? null : ((lanes[s.lane] as Laid[])[s.target] as Laid).head,
    }));
    const fanner = `s${at}`;
    const route: Route = { kind: "fan", sends, returnLast: block.returnLast };
    this.steps[at] = { name: fanner, plan: block.fanner, accepts: [input], emits: [...new Set(laneTypes)], route };
    // How many events of each branch output type reach the collector.
    const counts = new Map<string, number>();
    block.lanes.forEach((lane, l) => {
      lane.branches.forEach((_, b) => {
        const reaching = block.sends.filter((s) => s.lane === l && (s.target === null || s.target === b)).length;
        const branch = (lanes[l] as Laid[])[b] as Laid;
        counts.set(branch.out, (counts.get(branch.out) ?? 0) + reaching * branch.times);
      });
    });
    const present = [...counts].filter(([, n]) => n > 0);
    // Split in k groups: the collect releases k times per fan-out, so extras wait in its buffer.
    const k = pick(divisors(present.reduce((g, [, n]) => gcd(g, n), 0)), block.splitSeed);
    const wanted = shuffle(
      present.map(([type, n]) => [type, n / k] as const),
      block.orderSeed,
    );
    const list = shuffle(
      wanted.flatMap(([type, n]) => Array.from({ length: n }, () => type)),
      block.orderSeed + 1,
    );
    const out = this.fresh();
    this.add(block.collector, [...counts.keys()], [out], {
      kind: "collect",
      form: block.form,
      counts: wanted,
      list,
      out,
    });
    return { out, head: fanner, times: k };
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

function pick<T>(items: readonly T[], seed: number): T {
  return items[seed % items.length] as T;
}
