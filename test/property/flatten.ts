/** Lays a plan out as named steps and event types (see plan.ts). */
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

/** The steps and event types of a plan, named in a fixed order. */
export function flatten(plan: Plan): FlatPlan {
  const steps: FlatStep[] = [];
  const types: string[] = [];
  const asks: string[] = [];
  const fresh = () => {
    const t = `E${types.length}`;
    types.push(t);
    return t;
  };
  const add = (plan: StepPlan, accepts: string[], emits: string[], route: Route): string => {
    const name = `s${steps.length}`;
    steps.push({ name, plan, accepts, emits, route });
    return name;
  };

  /** Lays out `seq` taking `input`; returns its output type and the name of its first step. */
  const seq = (blocks: Seq, input: string): { out: string; first: string } => {
    let current = input;
    let first = "";
    for (const block of blocks) {
      const { out, head } = layBlock(block, current);
      if (!first) first = head;
      current = out;
    }
    return { out: current, first };
  };

  const layBlock = (block: Block, input: string): { out: string; head: string } => {
    switch (block.kind) {
      case "step": {
        const out = fresh();
        return { out, head: add(block.step, [input], [out], { kind: "forward", out }) };
      }
      case "loop": {
        const again = fresh();
        const out = fresh();
        const route: Route = { kind: "loop", again, out, times: block.times };
        return { out, head: add(block.step, [input, again], [again, out], route) };
      }
      case "ask": {
        const out = fresh();
        asks.push(out);
        return { out, head: add(block.step, [input], ["InputRequiredEvent"], { kind: "ask", out }) };
      }
      case "fan":
        return layFan(block, input);
    }
  };

  const layFan = (block: Extract<Block, { kind: "fan" }>, input: string): { out: string; head: string } => {
    const laneTypes = block.lanes.map(() => fresh());
    // The fanner comes first, so step names follow the flow.
    const fannerAt = steps.length;
    steps.push(undefined as unknown as FlatStep);
    const lanes = block.lanes.map((lane, l) => lane.branches.map((b) => seq(b, laneTypes[l] as string)));
    const sends = block.sends.map((s) => {
      const lane = lanes[s.lane] as { first: string }[];
      return {
        type: laneTypes[s.lane] as string,
        step: s.target === null ? null : (lane[s.target] as { first: string }).first,
      };
    });
    const fannerName = `s${fannerAt}`;
    steps[fannerAt] = {
      name: fannerName,
      plan: block.fanner,
      accepts: [input],
      emits: [...new Set(laneTypes)],
      route: { kind: "fan", sends, returnLast: block.returnLast },
    };
    // How many events of each branch output type reach the collector.
    const counts = new Map<string, number>();
    block.lanes.forEach((lane, l) => {
      lane.branches.forEach((_, b) => {
        const n = block.sends.filter((s) => s.lane === l && (s.target === null || s.target === b)).length;
        const type = ((lanes[l] as { out: string }[])[b] as { out: string }).out;
        counts.set(type, (counts.get(type) ?? 0) + n);
      });
    });
    const branchOuts = [...counts.keys()];
    const wanted = shuffle(
      [...counts].filter(([, n]) => n > 0),
      block.orderSeed,
    );
    const list = shuffle(
      wanted.flatMap(([type, n]) => Array.from({ length: n }, () => type)),
      block.orderSeed + 1,
    );
    const out = fresh();
    add(block.collector, branchOuts, [out], { kind: "collect", form: block.form, counts: wanted, list, out });
    return { out, head: fannerName };
  };

  const { out } = seq(plan.body, "StartEvent");
  const sums = [] as string[];
  // The answer step exists only when some block asks; it emits every asking block's output.
  if (asks.length > 0) add(plan.answerStep, ["HumanResponseEvent"], asks, { kind: "answer" });
  add(plan.finisher, [out], ["StopEvent"], { kind: "finish", sums });
  if (plan.exhaust !== null) {
    const k = plan.exhaust % steps.length;
    const s = steps[k] as FlatStep;
    const failAt = s.plan.failAt.length > 0 ? s.plan.failAt : [s.plan.ops.length];
    steps[k] = { ...s, plan: { ...s.plan, failAt, attempts: failAt.length } };
  }
  for (const s of steps) if (s.plan.ops.includes("update")) sums.push(s.name);
  const customWaiters = steps.filter((s) => s.plan.ops.includes("waitCustom")).map((s) => s.name);
  return { steps, types, customWaiters };
}
