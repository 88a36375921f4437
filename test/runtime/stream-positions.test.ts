import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyEvent,
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  MemoryStore,
  StartEvent,
  StopEvent,
  StreamPositionError,
  startEvent,
  workflow,
} from "../../src/index.js";

const Tick = defineEvent("Tick", { n: z.number() });
const Count = startEvent({ count: z.number() });

/**
 * Streams `count` ticks and asks a person (so positions 0..count-1 are ticks and `count` the
 * prompt), then streams Tick -1 and stops: positions count+1 and count+2.
 */
const ticker = workflow({ name: "ticker", start: Count, timeout: null })
  .step("tick", { accepts: Count, emits: [InputRequiredEvent] }, (ctx, ev) => {
    for (let n = 0; n < ev.count; n++) ctx.writeEventToStream(Tick({ n }));
    return InputRequiredEvent({ prefix: "go on?" });
  })
  .step("finish", { accepts: HumanResponseEvent, emits: [StopEvent] }, (ctx, ev) => {
    ctx.writeEventToStream(Tick({ n: -1 }));
    return StopEvent({ result: ev.response });
  });

const yes = HumanResponseEvent({ response: "yes" });
const label = (ev: AnyEvent) => (ev.type === "Tick" ? `Tick ${ev.n}` : ev.type);

async function read(items: AsyncIterable<AnyEvent>): Promise<string[]> {
  const out: string[] = [];
  for await (const ev of items) out.push(label(ev));
  return out;
}

/** A ticker run of 3 ticks, waiting at its prompt (position 3), detached into a MemoryStore. */
async function detachedAtPrompt(runId: string) {
  const store = new MemoryStore();
  const handler = ticker.run({ count: 3 }, { store, runId });
  for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
  const snapshot = handler.snapshot();
  await handler.detach();
  return { store, snapshot };
}

describe("stream positions across a resume", () => {
  it("are in the snapshot: each view's next position and where the pending prompt is", async () => {
    const { snapshot } = await detachedAtPrompt("mark-1");
    expect(snapshot.stream).toMatchObject({ published: 4, prompts: [3] });
    expect(snapshot.stream?.all).toBeGreaterThan(4);
  });

  it("continue after a resume from the store: the prompt where it was, new items after it", async () => {
    const { store } = await detachedAtPrompt("resume-1");
    const resumed = ticker.resume("resume-1", { store });
    await resumed.loaded;
    expect(resumed.nextStreamPosition()).toBe(4);
    const fromOldest = read(resumed.streamEvents());
    const afterTicks = read(resumed.streamEvents({ after: 2 }));
    const afterPrompt = read(resumed.streamEvents({ after: 3 }));
    resumed.sendEvent(yes);
    await expect(resumed).resolves.toBe("yes");
    // Whoever saw the prompt (position 3) does not see it twice.
    expect(await afterPrompt).toEqual(["Tick -1", "StopEvent"]);
    expect(await afterTicks).toEqual(["InputRequiredEvent", "Tick -1", "StopEvent"]);
    expect(await fromOldest).toEqual(["InputRequiredEvent", "Tick -1", "StopEvent"]);
    expect(resumed.nextStreamPosition()).toBe(6);
  });

  it("refuse a position whose items were published before the resume: the snapshot keeps no items", async () => {
    const { store } = await detachedAtPrompt("resume-2");
    const resumed = ticker.resume("resume-2", { store });
    await resumed.loaded;
    const error = await read(resumed.streamEvents({ after: 1 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamPositionError);
    expect(error).toMatchObject({ code: "STREAM_POSITION", position: 2, start: 3 }); // 3: the prompt
    expect((error as Error).message).toMatch(/keeps stream positions, not items/);
    resumed.cancel();
    await resumed.catch(() => undefined);
  });

  it("continue after a resume from a snapshot object too, and a reader that started before it loaded", async () => {
    const { snapshot } = await detachedAtPrompt("resume-3");
    const resumed = ticker.resume(JSON.parse(JSON.stringify(snapshot)));
    const early = read(resumed.streamEvents());
    resumed.sendEvent(yes);
    await resumed;
    expect(await early).toEqual(["InputRequiredEvent", "Tick -1", "StopEvent"]);
    expect(resumed.nextStreamPosition()).toBe(6);
  });

  it("wait for a resumed run to load before starting, so a reader that came early is refused lost items too", async () => {
    const { store } = await detachedAtPrompt("early-1");
    const resumed = ticker.resume("early-1", { store });
    const early = read(resumed.streamEvents({ after: 0 })).catch((e: unknown) => e);
    expect(await early).toMatchObject({ code: "STREAM_POSITION", position: 1 });
    expect(((await early) as Error).message).toMatch(/keeps stream positions, not items/);
    resumed.cancel();
    await resumed.catch(() => undefined);
  });

  it("publish a pending prompt anew when its old position is outside the resumed run's window", async () => {
    const { snapshot } = await detachedAtPrompt("window-1");
    const copy = JSON.parse(JSON.stringify(snapshot));
    copy.stream = { ...copy.stream, prompts: [1] }; // as if two items had come after the prompt
    const resumed = ticker.resume(copy, { retain: { items: 2 } });
    const items = read(resumed.streamEvents());
    resumed.sendEvent(yes);
    await resumed;
    // Position 1 is not within a window of 2 items before 4: the prompt is item 4, and nobody misses it.
    expect(await items).toEqual(["InputRequiredEvent", "Tick -1", "StopEvent"]);
    expect(resumed.nextStreamPosition()).toBe(7);
  });

  it("end without a terminal item when the run is detached: the next process numbers what follows", async () => {
    const store = new MemoryStore();
    const handler = ticker.run({ count: 3 }, { store, runId: "moved-1" });
    const first = read(handler.streamEvents());
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    await handler.detach();
    expect(await first).toEqual(["Tick 0", "Tick 1", "Tick 2", "InputRequiredEvent"]);
    expect(handler.nextStreamPosition()).toBe(4);
    const resumed = ticker.resume("moved-1", { store });
    const next = read(resumed.streamEvents({ after: 3 }));
    resumed.sendEvent(yes);
    await resumed;
    expect(await next).toEqual(["Tick -1", "StopEvent"]);
  });
  it("start at 0 for a snapshot written before positions were kept, the prompt published again", async () => {
    const { snapshot } = await detachedAtPrompt("old-1");
    const { stream: _, ...old } = JSON.parse(JSON.stringify(snapshot));
    const resumed = ticker.resume(old);
    const items = read(resumed.streamEvents());
    resumed.sendEvent(yes);
    await resumed;
    expect(await items).toEqual(["InputRequiredEvent", "Tick -1", "StopEvent"]);
    expect(resumed.nextStreamPosition()).toBe(3);
  });

  it("ignore a prompt position out of reach: a snapshot cannot make the run fill millions of holes", async () => {
    const { snapshot } = await detachedAtPrompt("far-1");
    const copy = JSON.parse(JSON.stringify(snapshot));
    copy.stream = { ...copy.stream, published: 5_000_000, prompts: [3] };
    const resumed = ticker.resume(copy);
    await resumed.loaded;
    expect(resumed.nextStreamPosition()).toBe(5_000_001); // the prompt, published anew
    resumed.cancel();
    await resumed.catch(() => undefined);
  });
});

const Note = defineEvent("Note", { n: z.number() });
/** Writes 50 notes and asks a person (positions 0..50), then on the answer 50 more and stops (51..101). */
const notes = workflow({ name: "notes", timeout: null })
  .step("first", { accepts: StartEvent, emits: [InputRequiredEvent] }, (ctx) => {
    for (let n = 0; n < 50; n++) ctx.writeEventToStream(Note({ n }));
    return InputRequiredEvent({ prefix: "more?" });
  })
  .step("second", { accepts: HumanResponseEvent, emits: [StopEvent] }, (ctx) => {
    for (let n = 50; n < 100; n++) ctx.writeEventToStream(Note({ n }));
    return StopEvent({ result: "done" });
  });

/** 50 notes and a prompt at once, then on the answer 3 more notes and the end: less than a window of 5. */
const trickle = workflow({ name: "trickle", timeout: null })
  .step("first", { accepts: StartEvent, emits: [InputRequiredEvent] }, (ctx) => {
    for (let n = 0; n < 50; n++) ctx.writeEventToStream(Note({ n }));
    return InputRequiredEvent({ prefix: "more?" });
  })
  .step("second", { accepts: HumanResponseEvent, emits: [StopEvent] }, (ctx) => {
    for (let n = 50; n < 53; n++) ctx.writeEventToStream(Note({ n }));
    return StopEvent({ result: "done" });
  });

describe("a reader that does not pin (pin: false)", () => {
  it("keeps up with a burst larger than the window while it waits, and is lapped once it stops asking", async () => {
    const handler = notes.run({}, { retain: { items: 5 } });
    const loose = handler.streamEvents({ pin: false })[Symbol.asyncIterator]();
    // Waiting when the first 51 items come at once: it holds them, and reads them all.
    for (let n = 0; n < 50; n++) expect((await loose.next()).value).toMatchObject({ type: "Note", n });
    expect((await loose.next()).value).toMatchObject({ type: "InputRequiredEvent" });
    // Not asking while the next 51 come: the window passes it.
    handler.sendEvent(yes);
    await handler;
    const error = await loose.next().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StreamPositionError);
    expect(error).toMatchObject({ position: 51, start: 97 });
    expect((error as Error).message).toMatch(/fell behind/);
  });

  it("is not lapped by a burst larger than the window while it keeps reading, as a few more items come", async () => {
    const handler = trickle.run({}, { retain: { items: 5 } });
    const loose = handler.streamEvents({ pin: false })[Symbol.asyncIterator]();
    const seen: unknown[] = [];
    // The first 51 items come at once while it waits; it reads them one per turn, and the answer
    // (3 more notes and the end: within a window of the burst) comes after its fifth read.
    for (let next = await loose.next(); !next.done; next = await loose.next()) {
      seen.push(next.value.type === "Note" ? next.value.n : next.value.type);
      if (seen.length === 5) handler.sendEvent(yes);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(seen).toEqual([...Array.from({ length: 50 }, (_, n) => n), "InputRequiredEvent", 50, 51, 52, "StopEvent"]);
  });

  it("stops at once when its signal aborts, even while it waits for an item that may never come", async () => {
    const handler = notes.run({}, { retain: { items: 5 } });
    const abort = new AbortController();
    let count = 0;
    const reading = (async () => {
      for await (const _ of handler.streamEvents({ pin: false, signal: abort.signal })) count++;
    })();
    while (count < 51) await new Promise((resolve) => setImmediate(resolve)); // now waiting for a person
    abort.abort();
    await reading;
    expect(count).toBe(51);
    handler.cancel();
    await handler.catch(() => undefined);
  });

  it("where a pinning reader, as slow, gets everything (and holds the items for a loose one too)", async () => {
    const handler = notes.run({}, { retain: { items: 5 } });
    const pinned = handler.streamEvents()[Symbol.asyncIterator]();
    const loose = handler.streamEvents({ pin: false })[Symbol.asyncIterator]();
    await Promise.all([pinned.next(), loose.next()]);
    handler.sendEvent(yes);
    await handler;
    const rest = async (it: AsyncIterator<AnyEvent>) => {
      const out: AnyEvent[] = [];
      for (let next = await it.next(); !next.done; next = await it.next()) out.push(next.value);
      return out;
    };
    expect(await rest(loose)).toHaveLength(101); // all but the first
    expect(await rest(pinned)).toHaveLength(101);
  });
});
