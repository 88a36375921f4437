import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { defineEvent, StartEvent, startEvent, stopEvent, Workflow, workflow } from "../../src/index.js";
import { type TraceEntry, toMermaid, traceRun } from "../../src/inspect/index.js";
import {
  type Coverage,
  coverageOf,
  createWorkflowTestModel,
  type WorkflowTestReport,
} from "../../src/testing/index.js";

const Topic = startEvent({ topic: z.string() });
const Drafted = defineEvent("Drafted", { text: z.string() });
const Decision = stopEvent(z.object({ approved: z.boolean() }));
const typed = workflow({ name: "typed", start: Topic, stop: Decision })
  .step("draft", { accepts: Topic, emits: [Drafted] }, async (_ctx, ev) => Drafted({ text: ev.topic }))
  .step("decide", { accepts: Drafted, emits: [Decision] }, async () => Decision({ result: { approved: true } }));

describe("stepchart/inspect and stepchart/testing take typed workflows and handlers, no type arguments", () => {
  it("traceRun and toMermaid accept any typed handler; toMermaid any workflow", () => {
    const handler = typed.run({ topic: "tea" });
    expectTypeOf(traceRun(handler)).toEqualTypeOf<TraceEntry[]>();
    expectTypeOf(toMermaid(handler)).toBeString();
    expectTypeOf(toMermaid(typed)).toBeString();
    expectTypeOf(toMermaid(new Workflow())).toBeString();
  });

  it("trace entries narrow on kind", () => {
    const entry = {} as TraceEntry;
    if (entry.kind === "event")
      expectTypeOf(entry.source).toEqualTypeOf<{ readonly step: string; readonly invocation: number } | null>();
    if (entry.kind === "step.finished") expectTypeOf(entry.output).toEqualTypeOf<string | null>();
    if (entry.kind === "run.ended")
      expectTypeOf(entry.status).toEqualTypeOf<"completed" | "failed" | "timedOut" | "cancelled">();
  });

  it("the test model and coverage take the workflow itself", () => {
    const model = createWorkflowTestModel(typed, { fixtures: { StartEvent: { topic: "tea" } } });
    expectTypeOf(model.testAllPaths()).resolves.toEqualTypeOf<WorkflowTestReport>();
    expectTypeOf(model.paths[0]?.test).toEqualTypeOf<(() => Promise<TraceEntry[]>) | undefined>();
    expectTypeOf(coverageOf(typed, [traceRun(typed.run({ topic: "x" }))])).toEqualTypeOf<Coverage>();
    // @ts-expect-error a handler is not a workflow
    createWorkflowTestModel(typed.run({ topic: "x" }));
    expectTypeOf(StartEvent.type).toEqualTypeOf<"StartEvent">();
  });
});
