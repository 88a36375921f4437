import { describe, expect, it } from "vitest";
import { type AnyStateMachine, createActor } from "xstate";
import { approval } from "../../examples/human-approval.js";
import { parallelSearch } from "../../examples/parallel-search.js";
import { buildIndex, rag } from "../../examples/rag.js";
import { visitCounter } from "../../examples/state.js";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type WorkflowHandler,
  workflow,
} from "../../src/index.js";
import { type TraceEntry, traceRun } from "../../src/inspect/index.js";

/**
 * Replays a run's trace on the view statechart: each routed event and prompt is sent as the
 * workflow event, a step's `<step>.done` once its last running invocation finished, StopEvent
 * when the run completed. Returns the order in which step regions went from idle to running.
 */
function replay(view: AnyStateMachine, trace: readonly TraceEntry[]) {
  const actor = createActor(view).start();
  const regions = () => (actor.getSnapshot().value as { running?: Record<string, string> }).running ?? {};
  const entered: string[] = [];
  const running = new Map<string, number>();
  const send = (type: string) => {
    const before = regions();
    actor.send({ type });
    const after = regions();
    for (const region of Object.keys(after))
      if (before[region] !== after[region] && after[region] !== "idle") entered.push(region);
  };
  const started: string[] = [];
  for (const entry of trace) {
    switch (entry.kind) {
      case "event":
        send(entry.type);
        break;
      case "input.waiting":
        send("InputRequiredEvent");
        break;
      case "step.started":
        if (entry.attempt > 1) break;
        if (!running.get(entry.step)) started.push(entry.step);
        running.set(entry.step, (running.get(entry.step) ?? 0) + 1);
        // The runtime started it: the picture must show that step running now.
        expect(regions()[entry.step], `${entry.step} after ${JSON.stringify(entry)}`).toBe("running");
        break;
      case "step.finished":
      case "step.failed": {
        const left = (running.get(entry.step) ?? 1) - 1;
        running.set(entry.step, left);
        if (left === 0) send(`${entry.step}.done`);
        break;
      }
      case "run.ended":
        if (entry.status === "completed") send("StopEvent");
        break;
    }
  }
  return { entered, started, value: actor.getSnapshot().value, status: actor.getSnapshot().status };
}

async function traceOf(handler: WorkflowHandler<unknown, never>) {
  await handler;
  return traceRun(handler);
}

describe("wf.toStatechart()", () => {
  it("is a parallel state with an idle/running region per step, a human region and a final done", () => {
    const config = approval.toStatechart().config as {
      states: { running: { type: string; states: Record<string, { states: object }> }; done: { type: string } };
    };
    expect(config.states.running.type).toBe("parallel");
    expect(Object.keys(config.states.running.states)).toEqual([
      ...approval.definition.steps.map((s) => s.name),
      "human",
    ]);
    expect(Object.keys(config.states.running.states.human?.states ?? {})).toEqual(["idle", "waiting"]);
    expect(config.states.done.type).toBe("final");
    // Plain JSON: what Stately's editor imports.
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it("names the human region so that it never takes a step's place", () => {
    const wf = workflow({ name: "names" })
      .step("human", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({}))
      .step("human_2", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const regions = (wf.toStatechart().config as { states: { running: { states: object } } }).states.running.states;
    expect(Object.keys(regions)).toEqual(["human", "human_2", "human_3"]);
  });

  it("has no human region when nobody is asked", () => {
    const regions = (rag.toStatechart().config as { states: { running: { states: object } } }).states.running.states;
    expect(Object.keys(regions)).toEqual(["retrieve", "synthesise"]);
  });

  const runs: [name: string, view: () => AnyStateMachine, trace: () => Promise<TraceEntry[]>][] = [
    [
      "rag",
      () => rag.toStatechart(),
      () => traceOf(rag.run({ query: "What is BM25?" }, { resources: { index: buildIndex() } })),
    ],
    [
      "parallel-search",
      () => parallelSearch.toStatechart(),
      () => traceOf(parallelSearch.run({ query: "statecharts" }, { resources: { index: buildIndex() } })),
    ],
    ["state", () => visitCounter.toStatechart(), () => traceOf(visitCounter.run({ visitors: ["ada", "alan", "ada"] }))],
    [
      "human-approval (one revision)",
      () => approval.toStatechart(),
      async () => {
        const answers = ["shorter please", "yes"];
        const handler = approval.run({ topic: "tea" });
        for await (const ev of handler.streamEvents()) {
          if (ev.type === "InputRequiredEvent")
            handler.sendEvent(HumanResponseEvent({ response: answers.shift() ?? "yes" }));
        }
        return traceOf(handler);
      },
    ],
  ];

  it.each(runs)(
    "replays a real run of %s through the same step regions, in order, ending in done",
    async (_, view, trace) => {
      const t = await trace();
      const { entered, started, value, status } = replay(view(), t);
      expect(started.length).toBeGreaterThan(1);
      expect(entered.filter((r) => r !== "human" && r !== "done")).toEqual(started);
      expect(value).toBe("done");
      expect(status).toBe("done");
    },
  );
});
