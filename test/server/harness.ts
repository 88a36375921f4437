import { createClient, createConfig } from "@llamaindex/workflows-client";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StopEvent,
  startEvent,
  type WorkflowStore,
  workflow,
} from "../../src/index.js";
import { createServer, type RunningServer, serve } from "../../src/server/index.js";

const Text = startEvent({ text: z.string() });
/** Answers at once: the start event's text, upper-cased. */
export const echo = workflow({ name: "echo", start: Text }).step(
  "shout",
  { accepts: Text, emits: [StopEvent] },
  (_ctx, ev) => StopEvent({ result: ev.text.toUpperCase() }),
);

export const Tick = defineEvent("Tick", { n: z.number() });
const Count = startEvent({ count: z.number().int().min(0) });
/**
 * Streams `count` ticks, asks a person, then streams one more tick and stops: a run that holds
 * still between its two halves, so a test can disconnect and reconnect with no timing involved.
 */
export const ticker = workflow({ name: "ticker", start: Count, timeout: null })
  .step("tick", { accepts: Count, emits: [InputRequiredEvent] }, (ctx, ev) => {
    for (let n = 0; n < ev.count; n++) ctx.writeEventToStream(Tick({ n }));
    return InputRequiredEvent({ prefix: "go on?" });
  })
  .step("finish", { accepts: HumanResponseEvent, emits: [StopEvent] }, (ctx, ev) => {
    ctx.writeEventToStream(Tick({ n: -1 }));
    return StopEvent({ result: ev.response });
  });

export interface TestServer {
  readonly baseUrl: string;
  readonly client: ReturnType<typeof createClient>;
  close(): Promise<void>;
}

/** The test workflows and the approval example, served on 127.0.0.1 at a free port. */
export async function startTestServer(store?: WorkflowStore): Promise<TestServer> {
  const app = createServer({ workflows: { echo, ticker, approval }, ...(store ? { store } : {}) });
  const server: RunningServer = await serve(app, { port: 0 });
  const baseUrl = `http://${server.host}:${server.port}`;
  return { baseUrl, client: createClient(createConfig({ baseUrl })), close: () => server.close() };
}

/** One Server-Sent Event as the wire carries it. */
export interface SseItem {
  readonly id: string | undefined;
  readonly data: { type: string; value: Record<string, unknown> };
}

/**
 * Reads a raw SSE response until `until` says stop (or the stream ends), then lets go of the
 * connection: what a browser does when a tab closes mid-run.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; until?: (item: SseItem) => boolean } = {},
): Promise<{ status: number; items: SseItem[] }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: options.headers ?? {}, signal: abort.signal });
  const items: SseItem[] = [];
  if (response.status !== 200 || !response.body) return { status: response.status, items };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      const chunks = buffer.split("\n\n");
      buffer = chunks.pop() ?? "";
      for (const chunk of chunks) {
        const lines = chunk.split("\n");
        const id = lines.find((l) => l.startsWith("id: "))?.slice(4);
        const data = lines.find((l) => l.startsWith("data: "))?.slice(6);
        if (data === undefined) continue;
        const item = { id, data: JSON.parse(data) };
        items.push(item);
        if (options.until?.(item)) return { status: response.status, items };
      }
    }
  } finally {
    abort.abort();
  }
  return { status: response.status, items };
}

/** Reads a whole NDJSON response. */
export async function readNdjson(url: string): Promise<{ status: number; lines: Record<string, unknown>[] }> {
  const response = await fetch(url);
  const text = await response.text();
  const lines = text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: response.status, lines };
}
