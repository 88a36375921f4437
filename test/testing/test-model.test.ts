import { describe, expect, it } from "vitest";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import { defineEvent, StartEvent, StopEvent, startEvent, stopEvent, workflow } from "../../src/index.js";
import { createWorkflowTestModel, toModelMachine } from "../../src/testing/index.js";

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

describe("toModelMachine(wf)", () => {
  it("has a state per event type and a <step>/<Emitted> transition from each type the step accepts", () => {
    expect(toModelMachine(branchy).config).toEqual({
      id: "branchy-model",
      initial: "StartEvent",
      states: {
        StartEvent: { on: { "draft/Drafted": "Drafted" } },
        Drafted: { on: { "review/Approved": "Approved", "review/Rejected": "Rejected" } },
        Approved: { on: { "publish/StopEvent": "StopEvent" } },
        Rejected: { on: { "revise/Drafted": "Drafted" } },
        StopEvent: { type: "final" },
      },
    });
  });

  it("adds a person's answer from InputRequiredEvent", () => {
    const states = toModelMachine(approval).config.states as Record<string, { on?: object }>;
    expect(states.InputRequiredEvent?.on).toEqual({ "human/HumanResponseEvent": "HumanResponseEvent" });
    expect(states.HumanResponseEvent?.on).toEqual({ "review/Revise": "Revise", "review/StopEvent": "StopEvent" });
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

  it("fails a path when the runtime does not do what the model says, and leaves its edges missing", async () => {
    // `b` takes both StartEvent and X with one worker: on the path a/X, b is still busy with the
    // StartEvent (its stub never told to return), so X waits in b's queue and never reaches it.
    const X = defineEvent("X", {});
    const busy = workflow({ name: "busy" })
      .step("a", { accepts: StartEvent, emits: [X] }, async () => X({}))
      .step("b", { accepts: [StartEvent, X], emits: [StopEvent], numWorkers: 1 }, async () => StopEvent({ result: 1 }));
    const report = await createWorkflowTestModel(busy, { timeout: 100 }).testAllPaths();
    expect(report.passed.map((p) => p.description)).toEqual(["StartEvent → b/StopEvent"]);
    expect(report.failed.map((p) => p.description)).toEqual(["StartEvent → a/X → b/StopEvent"]);
    expect(report.failed[0]?.error.message).toMatch(/waiting for step "b" to be invoked with X/);
    expect(report.coverage).toEqual({ covered: ["b/StopEvent"], missing: ["a/X"] });
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
