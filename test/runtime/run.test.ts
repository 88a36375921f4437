import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  WorkflowStateError,
  WorkflowValidationError,
  workflow,
} from "../../src/index.js";
import { collectStream } from "../helpers.js";

const Query = startEvent({ query: z.string(), topK: z.number().default(2) });
const Retrieved = defineEvent("Retrieved", { query: z.string(), hits: z.array(z.string()) });
const Progress = defineEvent("Progress", { message: z.string() });
const Done = defineEvent("Done", {});
const Answer = stopEvent(z.object({ text: z.string(), hits: z.number() }));

const rag = workflow({ name: "rag", start: Query, stop: Answer })
  .step("retrieve", { accepts: Query, emits: [Retrieved] }, async (ctx, ev) => {
    ctx.writeEventToStream(Progress({ message: `retrieving ${ev.query}` }));
    return Retrieved({ query: ev.query, hits: Array.from({ length: ev.topK }, (_, i) => `doc${i}`) });
  })
  .step("synthesise", { accepts: Retrieved, emits: [Answer] }, async (ctx, ev) => {
    ctx.writeEventToStream(Progress({ message: "synthesising" }));
    return Answer({ result: { text: `${ev.query}: ${ev.hits.join(",")}`, hits: ev.hits.length } });
  });

describe("wf.run", () => {
  it("resolves the handler to the StopEvent's result", async () => {
    await expect(rag.run({ query: "cats" })).resolves.toEqual({ text: "cats: doc0,doc1", hits: 2 });
  });

  it("exposes the whole StopEvent and the same result promise", async () => {
    const handler = rag.run({ query: "dogs", topK: 1 });
    expect(await handler.stopEvent).toEqual({ type: "StopEvent", result: { text: "dogs: doc0", hits: 1 } });
    expect(await handler.result).toEqual({ text: "dogs: doc0", hits: 1 });
  });

  it("throws EventValidationError synchronously for invalid input", () => {
    expect(() => rag.run({ query: 42 as unknown as string })).toThrow(EventValidationError);
    try {
      rag.run({ query: 42 as unknown as string });
    } catch (err) {
      expect((err as EventValidationError).eventType).toBe("StartEvent");
      expect((err as EventValidationError).issues.map((i) => i.path)).toEqual(["query"]);
    }
  });

  it("validates the definition on the first run, listing every problem", () => {
    const Orphan = defineEvent("Orphan", {});
    const broken = workflow({ name: "broken" }).step("a", { accepts: Orphan, emits: [] }, async () => undefined);
    expect(() => broken.run()).toThrow(WorkflowValidationError);
    try {
      broken.run();
    } catch (err) {
      const problems = (err as WorkflowValidationError).problems;
      expect(problems).toContain("no step accepts the start event (StartEvent)");
      expect(problems).toContain("no step emits a stop event (StopEvent)");
      expect(problems).toContain("events consumed but never produced: Orphan");
    }
  });

  it("uses the runId option and gives each run its own id otherwise", async () => {
    const a = rag.run({ query: "x" }, { runId: "run-1" });
    const b = rag.run({ query: "x" });
    expect(a.runId).toBe("run-1");
    expect(b.runId).not.toBe("run-1");
    expect(b.runId).toMatch(/^[0-9a-f-]{36}$/);
    await Promise.all([a, b]);
  });

  it("keeps runs isolated: concurrent runs do not share state", async () => {
    const counter = workflow({ name: "counter" }).step(
      "count",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx, ev) => {
        ctx.set("n", Number(ev.n));
        await Promise.resolve();
        return StopEvent({ result: ctx.get("n") });
      },
    );
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => counter.run({ n })));
    expect(results).toEqual([1, 2, 3, 4, 5]);
  });

  it("accepts a step that returns nothing alongside one that stops", async () => {
    const Ping = defineEvent("Ping", {});
    const wf = workflow({ name: "side" })
      .step("start", { accepts: StartEvent, emits: [Ping, StopEvent] }, async (ctx) => {
        ctx.sendEvent(Ping());
        return StopEvent({ result: "ok" });
      })
      .step("log", { accepts: Ping, emits: [] }, async () => undefined);
    await expect(wf.run()).resolves.toBe("ok");
  });
});

describe("handler.streamEvents", () => {
  it("yields stream writes then exactly one terminal StopEvent, and ends", async () => {
    const items = await collectStream(rag.run({ query: "q", topK: 1 }));
    expect(items).toEqual([
      { type: "Progress", message: "retrieving q" },
      { type: "Progress", message: "synthesising" },
      { type: "StopEvent", result: { text: "q: doc0", hits: 1 } },
    ]);
  });

  it("lets every consumer see every item from the start, even after the run ended", async () => {
    const handler = rag.run({ query: "q", topK: 1 });
    const first = collectStream(handler);
    await handler;
    const late = await collectStream(handler);
    expect(await first).toEqual(late);
    expect(late).toHaveLength(3);
  });

  it("skips to a position with `after`", async () => {
    const handler = rag.run({ query: "q", topK: 1 });
    const items = await collectStream(handler, { after: 0 });
    expect(items.map((e) => e.type)).toEqual(["Progress", "StopEvent"]);
    expect(items[0]).toEqual({ type: "Progress", message: "synthesising" });
  });

  it("adds returned events and step lifecycle with `all`, numbered on its own", async () => {
    const handler = rag.run({ query: "q", topK: 1 });
    const all = await collectStream(handler, { all: true });
    expect(all.map((e) => e.type)).toEqual([
      "StepStartedEvent",
      "Progress",
      "StepFinishedEvent",
      "Retrieved",
      "StepStartedEvent",
      "Progress",
      "StepFinishedEvent",
      "StopEvent",
    ]);
    expect(all[0]).toEqual({ type: "StepStartedEvent", step: "retrieve", invocation: 0, event: "StartEvent" });
    expect(all[2]).toMatchObject({
      type: "StepFinishedEvent",
      step: "retrieve",
      status: "completed",
      output: "Retrieved",
    });
    const after = await collectStream(handler, { all: true, after: 5 });
    expect(after.map((e) => e.type)).toEqual(["StepFinishedEvent", "StopEvent"]);
  });

  it("streams every InputRequiredEvent", async () => {
    const wf = workflow({ name: "ask" })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
        InputRequiredEvent({ prefix: "name? " }),
      )
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = wf.run();
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") {
        expect(ev).toEqual({ type: "InputRequiredEvent", prefix: "name? " });
        handler.sendEvent({ type: "HumanResponseEvent", response: "Ada" });
      }
    }
    await expect(handler).resolves.toBe("Ada");
  });
});

describe("handler.sendEvent", () => {
  const Note = defineEvent("Note", { text: z.string() });
  const wf = workflow({ name: "notes", timeout: 2_000, external: [Note] })
    .step("wait", { accepts: StartEvent, emits: [InputRequiredEvent, Done], awaits: [Note] }, async (ctx) => {
      const note = await ctx.waitForEvent(Note, { prompt: InputRequiredEvent({ prefix: "note? " }) });
      ctx.set("note", note.text);
      ctx.sendEvent(Done());
    })
    .step("done", { accepts: Done, emits: [StopEvent] }, async (ctx) => StopEvent({ result: ctx.get("note") }));

  /** Sends `note` once the run asks for it. */
  async function answer(handler: ReturnType<typeof wf.run>, send: () => void) {
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") send();
  }

  it("rejects an invalid payload without disturbing the run", async () => {
    const handler = wf.run();
    await answer(handler, () => {
      expect(() => handler.sendEvent({ type: "Note", text: 5 } as never)).toThrow(EventValidationError);
      handler.sendEvent(Note({ text: "hello" }));
    });
    await expect(handler).resolves.toBe("hello");
  });

  it("rejects an event type the workflow does not take from outside", async () => {
    const handler = wf.run();
    await answer(handler, () => {
      expect(() => handler.sendEvent({ type: "Bogus" } as never)).toThrow(/does not accept "Bogus" from outside/);
      handler.ctx.sendEvent(Note({ text: "seed style" }));
    });
    await expect(handler).resolves.toBe("seed style");
  });

  it("throws WorkflowStateError after the run ended", async () => {
    const handler = wf.run();
    await answer(handler, () => handler.sendEvent(Note({ text: "x" })));
    await handler;
    expect(() => handler.sendEvent(Note({ text: "late" }))).toThrow(WorkflowStateError);
  });
});
