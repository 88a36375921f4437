import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyEvent,
  defineEvent,
  StartEvent,
  StopEvent,
  StreamPositionError,
  WorkflowValidationError,
  workflow,
} from "../../src/index.js";
import { traceRun } from "../../src/inspect/index.js";
import { collectStream } from "../helpers.js";

const Again = defineEvent("Again", { n: z.number() });
const Note = defineEvent("Note", { n: z.number() });

/**
 * An agent-style loop of `steps` steps in one run. Each step writes `Note { n }` to the stream, so
 * Note n is at stream position n - 1 and the StopEvent at position `steps`. The `all` view has
 * four items per step: started, the note, finished, and the returned event (the last step's
 * StopEvent is the terminal item).
 */
const loop = (steps: number) =>
  workflow({ name: "loop", timeout: null }).step(
    "loop",
    { accepts: [StartEvent, Again], emits: [Again, StopEvent] },
    async (ctx, ev) => {
      const n = ev.type === "Again" ? ev.n + 1 : 1;
      ctx.writeEventToStream(Note({ n }));
      return n < steps ? Again({ n }) : StopEvent({ result: n });
    },
  );

const notes = (items: AnyEvent[]) => items.filter((ev) => ev.type === "Note").map((ev) => ev.n);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("a long run's record (the retain option)", () => {
  it("keeps only its most recent items: a 2,000-step loop's trace stays at the window", async () => {
    const handler = loop(2_000).run({}, { retain: { items: 100 } });
    await expect(handler).resolves.toBe(2_000);

    const trace = traceRun(handler);
    expect(trace.slice(0, 3)).toMatchObject([
      { kind: "run.started" },
      { kind: "event", type: "StartEvent" },
      { kind: "dropped" },
    ]);
    const dropped = trace[2]?.kind === "dropped" ? trace[2].items : 0;
    const window = trace.slice(3);
    expect(window.length).toBeLessThanOrEqual(101);
    expect(dropped + window.length).toBe(4 * 2_000); // nothing lost between the gap and the end
    expect(window.at(-1)).toMatchObject({ kind: "run.ended", status: "completed" });
    // Each step and each event in the window is still named after the step it came from.
    for (const entry of window) {
      if (entry.kind === "event" || entry.kind === "stream") expect(entry.source?.step).toBe("loop");
    }
  });

  it("keeps 10,000 items by default, the whole record of any ordinary run", async () => {
    const short = loop(10).run({});
    await short;
    expect(traceRun(short).some((e) => e.kind === "dropped")).toBe(false);

    const long = loop(3_000).run({});
    await long;
    expect(traceRun(long)[2]).toEqual({ kind: "dropped", items: 4 * 3_000 - 10_000 });
  });

  it("numbers stream positions for the run's whole life: a reader resumes after a position", async () => {
    const handler = loop(500).run({}, { retain: { items: 50 } });
    await handler;

    const rest = await collectStream(handler, { after: 489 });
    expect(notes(rest)).toEqual(range(491, 500));
    expect(rest.at(-1)).toMatchObject({ type: "StopEvent", result: 500 });
  });

  it("refuses a position it no longer holds with StreamPositionError (code STREAM_POSITION)", async () => {
    const handler = loop(500).run({}, { retain: { items: 50 } });
    await handler;

    const reading = collectStream(handler, { after: 10 });
    await expect(reading).rejects.toBeInstanceOf(StreamPositionError);
    await expect(reading).rejects.toMatchObject({ code: "STREAM_POSITION", position: 11, start: 451 });
  });

  it("starts a reader without a position at the oldest item it holds", async () => {
    const handler = loop(500).run({}, { retain: { items: 50 } });
    await handler;

    const held = await collectStream(handler);
    expect(notes(held)).toEqual(range(452, 500));
    expect(held).toHaveLength(50);
  });

  it.each([
    { view: "default", all: false },
    { view: "all", all: true },
  ])("gives a reader that is iterating every item of the $view view, however far behind it falls", async ({ all }) => {
    const handler = loop(300).run({}, { retain: { items: 10 } });
    const reader = handler.streamEvents({ all })[Symbol.asyncIterator]();
    const first = await reader.next();
    await handler; // the run ends while the reader is still at its first item

    const items = [first.value as AnyEvent];
    for (let next = await reader.next(); !next.done; next = await reader.next()) items.push(next.value);
    expect(notes(items)).toEqual(range(1, 300));
    expect(items).toHaveLength(all ? 4 * 300 : 301);
    // Done reading: the run is back to its window.
    const held = await collectStream(handler, { all });
    expect(held.length).toBeLessThanOrEqual(11);
    expect(held.at(-1)).toMatchObject({ type: "StopEvent", result: 300 });
  });

  it("lets go of the items a reader held once it stops reading", async () => {
    const handler = loop(300).run({}, { retain: { items: 10 } });
    const reader = handler.streamEvents()[Symbol.asyncIterator]();
    await reader.next();
    await reader.return?.(); // what `break` in a for-await loop does
    await handler;

    expect(notes(await collectStream(handler))).toEqual(range(292, 300));
  });

  it("still names a long step whose start was dropped in the trace", async () => {
    const pump = workflow({ name: "pump", timeout: null }).step(
      "pump",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        for (let n = 1; n <= 300; n++) ctx.writeEventToStream(Note({ n }));
        return StopEvent({ result: "done" });
      },
    );
    const handler = pump.run({}, { retain: { items: 20 } });
    await handler;

    const streamed = traceRun(handler).filter((e) => e.kind === "stream");
    expect(streamed.length).toBeGreaterThan(10);
    for (const entry of streamed) expect(entry).toMatchObject({ source: { step: "pump", invocation: 0 } });
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses retain.items %s with WorkflowValidationError", (items) => {
    expect(() => loop(1).run({}, { retain: { items } })).toThrow(WorkflowValidationError);
  });
});
