/**
 * A local OpenAI-compatible HTTP server for the tests: chat completions (plain, streamed as
 * server-sent events, JSON-schema response format) and embeddings, answering deterministically,
 * with scripted failures (any status, retry-after) and slow answers queued per test. The real
 * `openai` client talks to it over real HTTP on 127.0.0.1.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the next request gets instead of the normal answer. */
export type Scripted =
  | { readonly status: number; readonly headers?: Record<string, string>; readonly body?: unknown }
  | { readonly delayMs: number }
  | { readonly content: string };

export interface FakeOpenAI {
  readonly baseURL: string;
  /** Every request body received, in order. */
  readonly requests: { path: string; body: Record<string, unknown> }[];
  /** How many slow requests the client hung up on before they were answered. */
  readonly aborted: () => number;
  /** Queues replies for the next requests (one each). */
  script(...replies: Scripted[]): void;
  close(): Promise<void>;
}

interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  response_format?: { type: string; json_schema?: { schema: { properties?: Record<string, { type?: string }> } } };
}

/** The normal answer: a deterministic function of the last user message. */
export function answerTo(body: ChatBody): string {
  const last = [...body.messages].reverse().find((m) => m.role === "user")?.content ?? "";
  if (body.response_format?.type === "json_schema") {
    // Fill each declared field from the prompt: strings get the prompt, numbers its length.
    const props = body.response_format.json_schema?.schema.properties ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(props))
      out[key] = prop.type === "number" ? last.length : `${key}: ${last}`;
    return JSON.stringify(out);
  }
  return `echo: ${last}`;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const queue: Scripted[] = [];
  const requests: { path: string; body: Record<string, unknown> }[] = [];
  let aborted = 0;
  const server: Server = createServer((req, res) => void handle(req, res));

  async function handle(req: IncomingMessage, res: ServerResponse) {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
    const path = (req.url ?? "").replace(/^\/v1/, "");
    requests.push({ path, body });
    let content: string | undefined;
    const scripted = queue.shift();
    if (scripted && "delayMs" in scripted) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, scripted.delayMs);
        res.on("close", () => {
          if (!res.writableEnded) aborted++;
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      if (res.destroyed || res.writableEnded) return;
    } else if (scripted && "status" in scripted) {
      res.writeHead(scripted.status, { "content-type": "application/json", ...(scripted.headers ?? {}) });
      res.end(JSON.stringify(scripted.body ?? { error: { message: `scripted ${scripted.status}`, type: "test" } }));
      return;
    } else if (scripted) content = scripted.content;

    if (path === "/embeddings") {
      const input = body.input as string[];
      const data = input.map((text, index) => {
        const vector = [text.length, text.split(" ").length, text.charCodeAt(0) || 0];
        // The SDK asks for base64 (little-endian float32s) by default, as OpenAI serves it.
        const embedding =
          body.encoding_format === "base64" ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector;
        return { object: "embedding", index, embedding };
      });
      json(res, { object: "list", data, model: body.model, usage: { prompt_tokens: 1, total_tokens: 1 } });
      return;
    }
    if (path !== "/chat/completions") {
      res.writeHead(404).end();
      return;
    }
    const chat = body as unknown as ChatBody;
    const text = content ?? answerTo(chat);
    const usage = {
      prompt_tokens: 3,
      completion_tokens: text.split(" ").length,
      total_tokens: 3 + text.split(" ").length,
    };
    if (!chat.stream) {
      json(res, {
        id: "cmpl-1",
        object: "chat.completion",
        created: 0,
        model: chat.model,
        choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
        usage,
      });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const pieces = text.match(/\S+\s*/g) ?? [];
    const frame = (payload: unknown) => res.write(`data: ${JSON.stringify(payload)}\n\n`);
    for (const piece of pieces) {
      frame({
        id: "cmpl-1",
        object: "chat.completion.chunk",
        created: 0,
        model: chat.model,
        choices: [{ index: 0, delta: { content: piece }, finish_reason: null }],
      });
    }
    frame({ id: "cmpl-1", object: "chat.completion.chunk", created: 0, model: chat.model, choices: [], usage });
    res.end("data: [DONE]\n\n");
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    aborted: () => aborted,
    script: (...replies) => queue.push(...replies),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res: ServerResponse, payload: unknown): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify(payload));
}
