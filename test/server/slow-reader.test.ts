import { setImmediate as turn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEvent, StopEvent, startEvent, workflow } from "../../src/index.js";
import { createServer, type RunningServer, serve } from "../../src/server/index.js";
import { sleep } from "../helpers.js";

const Chunk = defineEvent("Chunk", { n: z.number(), text: z.string() });
const ITEMS = 4_000;
const TEXT = "x".repeat(8 * 1024);

/** Streams 4,000 chunks of 8 KiB (32 MiB in all, far more than socket buffers hold), a few per turn. */
const Start = startEvent({});
const flood = workflow({ name: "flood", start: Start, timeout: null }).step(
  "write",
  { accepts: Start, emits: [StopEvent] },
  async (ctx) => {
    for (let n = 0; n < ITEMS; n++) {
      ctx.writeEventToStream(Chunk({ n, text: TEXT }));
      if (n % 8 === 7) await turn();
    }
    return StopEvent({ result: ITEMS });
  },
);

let server: RunningServer;
let baseUrl: string;
beforeAll(async () => {
  server = await serve(createServer({ workflows: { flood }, retain: { items: 50 } }), { port: 0 });
  baseUrl = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.close());

/** The SSE items' ids and types in a text of whole items. */
function parse(text: string): { id: number; type: string }[] {
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => ({
      id: Number(/^id: (\d+)$/m.exec(block)?.[1]),
      type: (JSON.parse(block.split("data: ")[1] as string) as { type: string }).type,
    }));
}

describe("a client that stops reading its stream", () => {
  it("does not hold the run's items: the window applies, its stream ends, and reconnecting says what was lost", async () => {
    const started = await fetch(`${baseUrl}/workflows/flood/run-nowait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const { handler_id: id } = (await started.json()) as { handler_id: string };
    const response = await fetch(`${baseUrl}/events/${id}?after_sequence=-1`);
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
    await reader.read(); // connected; from here on the client reads nothing until the run has ended
    for (;;) {
      const result = await fetch(`${baseUrl}/results/${id}`);
      if (result.status === 200) break;
      await sleep(20);
    }
    let text = "";
    for (let next = await reader.read(); !next.done; next = await reader.read()) text += next.value;
    const items = parse(text);
    const last = items.at(-1)?.id ?? 0;
    // What it got is in order with nothing skipped, and stops short: the server let go of the rest.
    expect(items.map((i) => i.id)).toEqual(Array.from({ length: items.length }, (_, i) => last - items.length + 1 + i));
    expect(items.map((i) => i.type)).not.toContain("StopEvent");
    expect(last).toBeLessThan(ITEMS - 50);
    const again = await fetch(`${baseUrl}/events/${id}`, { headers: { "Last-Event-ID": String(last) } });
    expect(again.status).toBe(410);
    expect(await again.json()).toMatchObject({ code: "STREAM_POSITION" });
    // The run keeps only its window: a client that reconnects from the oldest item gets the end.
    const tail = parse(await (await fetch(`${baseUrl}/events/${id}?after_sequence=-1`)).text());
    expect(tail).toHaveLength(50);
    expect(tail.at(-1)).toEqual({ id: ITEMS, type: "StopEvent" });
  }, 30_000);
});
