import { createTestModel } from "@xstate/graph";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import { parallelSearch } from "../../examples/parallel-search.js";
import { defineEvent, StartEvent, StopEvent, startEvent, stopEvent, workflow } from "../../src/index.js";
import { drivePath } from "../../src/testing/drive.js";
import { exploreRuntime } from "../../src/testing/explore.js";
import { createWorkflowTestModel, toModelMachine } from "../../src/testing/index.js";
import { stubbedWorkflow } from "../../src/testing/stubs.js";

const Draft = defineEvent("Drafted", { text: z.string() });
const Approved = defineEvent("Approved", { by: z.string() });
const Rejected = defineEvent("Rejected", { reason: z.string() });

// review → Approved | Rejected; revise → Drafted (a loop); publish → StopEvent.
const Topic = startEvent({ topic: z.string().min(2) });
const branchy = workflow({ name: "branchy", start: Topic })
  .step("draft", { accepts: Topic, emits: [Draft] }, async (_ctx, ev) => Draft({ text: ev.topic }))
  .step("review", { accepts: Draft, emits: [Approved, Rejected] }, async () => Approved({ by: "ann" }))
  .step("revise", { accepts: Rejected, emits: [Draft] }, async (_ctx, ev) => Draft({ text: ev.reason }))
  .step("publish", { accepts: Approved, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.by }));

/** A model machine's transitions, state by state (its `meta` left out). */
function transitionsOf(config: { states?: Record<string, { on?: object; type?: string }> }) {
  return Object.fromEntries(
    Object.entries(config.states ?? {}).map(([name, state]) => [name, state.type === "final" ? "final" : state.on]),
  );
}

// `b` takes both StartEvent and X, with one worker.
const X = defineEvent("X", {});
const busy = workflow({ name: "busy" })
  .step("a", { accepts: StartEvent, emits: [X] }, async () => X({}))
  .step("b", { accepts: [StartEvent, X], emits: [StopEvent], numWorkers: 1 }, async () => StopEvent({ result: 1 }));

describe("toModelMachine(wf)", () => {
  it("has a state per state of the runtime machine, named by what is in flight, and a <step>/<Emitted> transition per step return", () => {
    const config = toModelMachine(branchy).config;
    expect(config.id).toBe("branchy-model");
    expect(config.initial).toBe("draft(StartEvent)");
    expect(transitionsOf(config as never)).toEqual({
      "draft(StartEvent)": { "draft/Drafted": "review(Drafted)" },
      "review(Drafted)": { "review/Approved": "publish(Approved)", "review/Rejected": "revise(Rejected)" },
      "publish(Approved)": { "publish/StopEvent": "completed" },
      "revise(Rejected)": { "revise/Drafted": "review(Drafted)" },
      completed: "final",
    });
  });

  it("keeps the runtime machine's value in each state's meta", () => {
    const states = toModelMachine(branchy).config.states as Record<string, { meta?: { value: unknown } }>;
    expect(states["review(Drafted)"]?.meta?.value).toEqual({
      running: { draft: "idle", review: "running", revise: "idle", publish: "idle" },
    });
    expect(states.completed?.meta?.value).toBe("completed");
  });

  it("adds a person's answer where a prompt is pending", () => {
    const states = toModelMachine(approval).config.states as Record<string, { on?: object }>;
    expect(states.human?.on).toEqual({ "human/HumanResponseEvent": "review(HumanResponseEvent)" });
    expect(states["review(HumanResponseEvent)"]?.on).toEqual({
      "review/Revise": "draft(Revise)",
      "review/StopEvent": "completed",
    });
  });

  it("takes only transitions the runtime machine has: each region change is one of its config's transitions", () => {
    for (const wf of [branchy, approval, parallelSearch]) {
      const running = (
        wf.toMachine({ shape: "statechart" }).config as {
          states: { running: { states: Record<string, { states: Record<string, { on: Record<string, unknown> }> }> } };
        }
      ).states.running.states;
      const graph = exploreRuntime(wf.definition);
      const changes = graph.edges.flatMap((e) => e.transitions).filter((t) => !t.startsWith("running → "));
      expect(changes.length).toBeGreaterThan(0);
      for (const change of changes) {
        const [, region, from, to, type] = change.match(/^(.+): (\w+) → (\w+) on (.+)$/) ?? [];
        const taken = running[region as string]?.states[from as string]?.on[type as string] as { target?: string };
        expect(taken?.target, change).toBe(to);
      }
    }
  });

  it("interleaves steps that run at once, in every order", () => {
    const config = toModelMachine(parallelSearch).config;
    expect(transitionsOf(config as never)["searchDocs(Search) + searchFaq(Search)"]).toEqual({
      "searchDocs/DocsResult": "searchFaq(Search) + merge(DocsResult)",
      "searchFaq/FaqResult": "searchDocs(Search) + merge(FaqResult)",
    });
  });
});

describe("createWorkflowTestModel(wf, { fixtures })", () => {
  it("enumerates every simple path to a StopEvent, loops included", () => {
    const model = createWorkflowTestModel(branchy);
    expect(model.paths.map((p) => p.description).sort()).toEqual([
      "StartEvent → draft/Drafted → review/Approved → publish/StopEvent",
      "StartEvent → draft/Drafted → review/Rejected → revise/Drafted → review/Approved → publish/StopEvent",
    ]);
  });

  it("drives each path against the runtime with stub steps and reports full edge coverage", async () => {
    const report = await createWorkflowTestModel(branchy, {
      fixtures: { StopEvent: { result: "done" } },
    }).testAllPaths();
    expect(report.failed).toEqual([]);
    expect(report.passed).toHaveLength(2);
    expect(report.coverage).toEqual({
      covered: ["draft/Drafted", "review/Approved", "review/Rejected", "revise/Drafted", "publish/StopEvent"],
      missing: [],
      // The runtime machine's region transitions, as the runs' traces show them taken.
      transitions: {
        covered: [
          "draft: idle → running on StartEvent",
          "draft: running → idle on Drafted",
          "review: idle → running on Drafted",
          "review: running → idle on Approved",
          "review: running → idle on Rejected",
          "revise: idle → running on Rejected",
          "revise: running → idle on Drafted",
          "publish: idle → running on Approved",
          "running → completed on StopEvent",
        ],
        missing: [],
      },
    });
  });

  it("drives the human round trip of the approval example: prompts pending, answers sent", async () => {
    const model = createWorkflowTestModel(approval, { fixtures: { StartEvent: { topic: "tea" } } });
    expect(model.paths.map((p) => p.description)).toEqual([
      "StartEvent → draft/InputRequiredEvent → human/HumanResponseEvent → review/Revise → draft/InputRequiredEvent",
      "StartEvent → draft/InputRequiredEvent → human/HumanResponseEvent → review/StopEvent",
    ]);
    const report = await model.testAllPaths();
    expect(report.failed).toEqual([]);
    expect(report.coverage.missing).toEqual([]);
  });

  it("resolves a path's test to the run's trace", async () => {
    const [path] = createWorkflowTestModel(branchy).paths;
    const trace = await (path as { test(): Promise<{ kind: string }[]> }).test();
    expect(trace[0]?.kind).toBe("run.started");
    expect(trace.filter((e) => e.kind === "step.started").length).toBeGreaterThanOrEqual(3);
  });

  it("follows the runtime's queues: an event for a busy step waits in its queue, as the machine says", async () => {
    // `b` takes both StartEvent and X with one worker: on the path a/X, b is still busy with the
    // StartEvent, so X waits in b's queue, and b's StopEvent ends the run before b takes it.
    const model = createWorkflowTestModel(busy, { timeout: 500 });
    expect(model.paths.map((p) => p.description).sort()).toEqual([
      "StartEvent → a/X → b/StopEvent",
      "StartEvent → b/StopEvent",
    ]);
    expect(Object.keys(toModelMachine(busy).config.states ?? {})).toContain("b(StartEvent) + b queued X");
    const report = await model.testAllPaths();
    expect(report.failed).toEqual([]);
    expect(report.coverage.covered).toEqual(["a/X", "b/StopEvent"]);
    expect(report.coverage.transitions).toEqual({
      covered: [
        "a: idle → running on StartEvent",
        "a: running → idle on X",
        "b: idle → running on StartEvent",
        "running → completed on StopEvent",
      ],
      missing: [],
    });
  });

  it("fails a path whose run is not where the runtime machine says, naming where the run is", async () => {
    // The model is busy's machine (b has one worker); the run is of a copy whose b has two.
    const [, path] = createTestModel(toModelMachine(busy))
      .getSimplePaths()
      .filter((p) => p.state.value === "completed")
      .sort((x, y) => x.steps.length - y.steps.length);
    const twoWorkers = { ...busy.definition, steps: busy.definition.steps.map((s) => ({ ...s, numWorkers: 2 })) };
    const run = drivePath(path as never, {
      def: busy.definition,
      graph: exploreRuntime(busy.definition),
      stubbed: stubbedWorkflow(twoWorkers),
      start: StartEvent({}) as never,
      eventOf: (type) => ({ type, ...(type === "StopEvent" ? { result: null } : {}) }) as never,
      timeout: 100,
    });
    await expect(run).rejects.toThrow(
      /waiting for the run to be at "b\(StartEvent\) \+ b queued X"; it has b\(StartEvent\) \+ b\(X\)/,
    );
  });

  it("refuses a fixture that does not fit its event's schema, naming the event", async () => {
    expect(() => createWorkflowTestModel(branchy, { fixtures: { StartEvent: { topic: "x" } } })).toThrow(
      /fixture for StartEvent is not valid/,
    );
    const report = await createWorkflowTestModel(branchy, { fixtures: { Approved: { by: 42 } } }).testAllPaths();
    expect(report.failed).toHaveLength(2);
    expect(report.failed[0]?.error.message).toMatch(/fixture for Approved is not valid/);
  });

  it("takes event types with dots (XState would read them as state paths)", async () => {
    const Created = defineEvent("order.created", { id: z.string() });
    const orders = workflow({ name: "dots" })
      .step("create", { accepts: StartEvent, emits: [Created] }, async () => Created({ id: "1" }))
      .step("ship", { accepts: Created, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const report = await createWorkflowTestModel(orders).testAllPaths();
    expect(report.failed).toEqual([]);
    expect(report.coverage.covered).toEqual(["create/order.created", "ship/StopEvent"]);
  });

  it("generates fixtures from the zod schemas when none are given", async () => {
    const Order = stopEvent(
      z.object({ id: z.string().uuid(), qty: z.number().int().positive(), tags: z.array(z.string()).min(1) }),
    );
    const Email = startEvent({ email: z.string().email() });
    const orders = workflow({ name: "orders", start: Email, stop: Order }).step(
      "order",
      { accepts: Email, emits: [Order] },
      async () => Order({ result: { id: "x", qty: 1, tags: [] } }),
    );
    const report = await createWorkflowTestModel(orders).testAllPaths();
    expect(report.failed).toEqual([]);
    expect(report.coverage.covered).toEqual(["order/StopEvent"]);
  });
});
