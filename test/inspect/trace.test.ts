import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { formatTraceEntry, type TraceEntry, traceRun } from "../../src/inspect/index.js";
import { collectStream } from "../helpers.js";

const Drafted = defineEvent("Drafted", { text: z.string() });
const Note = defineEvent("Note", { text: z.string() });
const Progress = defineEvent("Progress", { pct: z.number() });

const approval = workflow({ name: "approval" })
  .step("draft", { accepts: StartEvent, emits: [Drafted, Note] }, async (ctx, ev) => {
    ctx.sendEvent(Note({ text: "drafting" }));
    ctx.writeEventToStream(Progress({ pct: 50 }));
    return Drafted({ text: `draft about ${String(ev.topic)}` });
  })
  .step("log", { accepts: Note, emits: [] }, async () => undefined)
  .step("review", { accepts: Drafted, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
    InputRequiredEvent({ prefix: "approve?", payload: ev.text }),
  )
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );

/** The trace without the event payloads, for readable comparisons. */
const outline = (trace: TraceEntry[]) => trace.map(formatTraceEntry);

async function approvedRun() {
  const handler = approval.run({ topic: "tea" });
  for await (const ev of handler.streamEvents()) {
    if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
  }
  await handler;
  return { handler }; // not the handler itself: awaiting a thenable gives its result
}

describe("traceRun(handler)", () => {
  it("records every event with the step invocation it came from, in order", async () => {
    const { handler } = await approvedRun();
    const trace = traceRun(handler);
    expect(trace[0]).toEqual({ kind: "run.started", workflow: "approval", runId: handler.runId });
    expect(outline(trace).slice(1)).toEqual([
      "StartEvent from outside",
      "draft#0 started on StartEvent",
      "Note from draft#0",
      "log#1 started on Note",
      "stream Progress from draft#0",
      "draft#0 finished → Drafted",
      "Drafted from draft#0",
      "review#2 started on Drafted",
      "log#1 finished",
      "review#2 finished → InputRequiredEvent",
      "waiting for input from review#2",
      "HumanResponseEvent from outside",
      "decide#3 started on HumanResponseEvent",
      "decide#3 finished → StopEvent",
      "run completed",
    ]);
    const routed = trace.find((e) => e.kind === "event" && e.type === "Drafted");
    expect(routed).toEqual({
      kind: "event",
      type: "Drafted",
      source: { step: "draft", invocation: 0 },
      event: { type: "Drafted", text: "draft about tea" },
    });
    expect(trace.at(-1)).toEqual({
      kind: "run.ended",
      status: "completed",
      terminal: { type: "StopEvent", result: "yes" },
    });
  });

  it("is plain JSON", async () => {
    const trace = traceRun((await approvedRun()).handler);
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace);
  });

  it("covers the run so far while it waits, and the stream views stay as they were", async () => {
    const handler = approval.run({ topic: "tea" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const trace = traceRun(handler);
    expect(trace.at(-1)).toMatchObject({ kind: "input.waiting", source: { step: "review", invocation: 2 } });
    handler.sendEvent(HumanResponseEvent({ response: "no" }));
    await handler;
    // Events from outside are in the trace only; the `all` view shows what steps returned and sent.
    const all = await collectStream(handler, { all: true });
    expect(all.map((e) => e.type)).not.toContain("StartEvent");
    expect(all.map((e) => e.type)).not.toContain("HumanResponseEvent");
    expect(all.map((e) => e.type)).toContain("Drafted");
  });

  it("tells a returned event from a stream write of the same object", async () => {
    const echo = workflow({ name: "echo" })
      .step("a", { accepts: StartEvent, emits: [Note] }, async (ctx) => {
        const note = Note({ text: "hi" });
        ctx.writeEventToStream(note);
        return note;
      })
      .step("b", { accepts: Note, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const handler = echo.run();
    await handler;
    expect(outline(traceRun(handler)).slice(2, 6)).toEqual([
      "a#0 started on StartEvent",
      "stream Note from a#0",
      "a#0 finished → Note",
      "Note from a#0",
    ]);
  });

  it("records retries as attempts and a failure as the end", async () => {
    let calls = 0;
    const flaky = workflow({ name: "flaky" }).step(
      "fetch",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2, delay: 1 } },
      async () => {
        calls++;
        throw new Error(`down ${calls}`);
      },
    );
    const handler = flaky.run();
    await handler.catch(() => undefined);
    expect(outline(traceRun(handler)).slice(1)).toEqual([
      "StartEvent from outside",
      "fetch#0 started on StartEvent",
      "fetch#0 will retry: down 1",
      "fetch#0 started on StartEvent (attempt 2)",
      "fetch#0 failed: down 2",
      "run failed",
    ]);
  });

  it("starts a resumed run's trace at the resume", async () => {
    const handler = approval.run({ topic: "tea" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = handler.snapshot();
    handler.cancel();
    await handler.catch(() => undefined);
    expect(traceRun(handler).at(-1)).toMatchObject({ kind: "run.ended", status: "cancelled" });

    const resumed = approval.resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "later" }));
    await expect(resumed).resolves.toBe("later");
    expect(outline(traceRun(resumed))).toEqual([
      `resumed run ${handler.runId}`,
      "waiting for input", // the pending prompt, shown again (the step that asked is not in this trace)
      "HumanResponseEvent from outside",
      "decide#3 started on HumanResponseEvent",
      "decide#3 finished → StopEvent",
      "run completed",
    ]);
  });
});
