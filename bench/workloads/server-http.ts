/**
 * (g) The client side of the server load bench, on `node:http` with a keep-alive agent (cheaper
 * than fetch, which matters with client and server sharing two cores, and its pool of connections
 * is ours to fill and close): each run is started with `POST /workflows/{name}/run-nowait`,
 * streamed from its first item with `GET /events/{id}?after_sequence=-1` (SSE) to its end, its
 * prompt answered with `POST /events/{id}`; then `GET /results/{id}`. Anything lost, repeated or
 * out of place throws.
 */
import { Agent, type IncomingMessage, request } from "node:http";
import { checkStream, type Envelope, type LoadFlow, TERMINAL } from "./server-flows.js";
import { type Hold, type Pass, type RunTiming, runPass } from "./server-pass.js";

/** A pool of keep-alive connections to the server under test. */
export class LoadClient {
  readonly #agent = new Agent({
    keepAlive: true,
    maxSockets: Number.POSITIVE_INFINITY,
    // Node keeps 256 idle connections by default; a pass needs one per open stream.
    maxFreeSockets: Number.POSITIVE_INFINITY,
    // Idle connections go after 3 s, before the server's keep-alive timeout (5 s) closes them: a
    // busy client could otherwise send on one it has not yet seen closed (ECONNRESET). A request
    // in progress (an SSE stream held open) is not ended by this.
    timeout: 3_000,
  });
  constructor(readonly port: number) {}

  /** Sends a request; resolves with the response, its body unread. */
  open(method: "GET" | "POST", path: string, body?: unknown): Promise<IncomingMessage> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers =
      payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) };
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: this.port, method, path, headers, agent: this.#agent }, resolve);
      req.once("error", (error) => reject(new Error(`${method} ${path}: ${error.message}`, { cause: error })));
      req.end(payload);
    });
  }

  /** Sends a request and reads its JSON answer; throws unless the status is 200. */
  async json(method: "GET" | "POST", path: string, body?: unknown): Promise<Record<string, unknown>> {
    const response = await this.open(method, path, body);
    let text = "";
    for await (const chunk of response.setEncoding("utf8")) text += chunk;
    if (response.statusCode !== 200) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  /** `n` requests at once (`GET /health`), so the pool holds `n` open connections before a pass. */
  async fill(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.json("GET", "/health")));
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** One SSE item: its `id:` (the stream position) and its `data:` (an envelope). */
interface SseItem {
  readonly id: string | undefined;
  readonly data: Envelope;
}

/** The items of an SSE body as they arrive; comments (heartbeats) are skipped. */
async function* sseItems(body: IncomingMessage): AsyncGenerator<SseItem> {
  let buffer = "";
  for await (const chunk of body.setEncoding("utf8")) {
    buffer += chunk;
    for (let cut = buffer.indexOf("\n\n"); cut >= 0; cut = buffer.indexOf("\n\n")) {
      const lines = buffer.slice(0, cut).split("\n");
      buffer = buffer.slice(cut + 2);
      const data = lines.find((l) => l.startsWith("data: "));
      if (data === undefined) continue;
      yield { id: lines.find((l) => l.startsWith("id: "))?.slice(4), data: JSON.parse(data.slice(6)) as Envelope };
    }
  }
  if (buffer.trim() !== "") throw new Error(`the SSE body ended mid-item: ${JSON.stringify(buffer)}`);
}

/** A run driven over HTTP: its handler id and its times. */
export interface HttpRun extends RunTiming {
  readonly id: string;
}

/** Run `i` of `flow`, from its POST to its stream's end; answers its prompt once `hold` lets it. */
async function driveHttp(client: LoadClient, flow: LoadFlow, i: number, hold?: Hold): Promise<HttpRun> {
  const t0 = performance.now();
  const started = await client.json("POST", `/workflows/${flow.name}/run-nowait`, { start_event: flow.input(i) });
  const id = started.handler_id as string;
  const response = await client.open("GET", `/events/${id}?after_sequence=-1`);
  if (response.statusCode !== 200) throw new Error(`GET /events/${id}: ${response.statusCode}`);
  const items: Envelope[] = [];
  const ids: (string | undefined)[] = [];
  let firstMs = Number.NaN;
  let resultMs = Number.NaN;
  for await (const item of sseItems(response)) {
    if (items.length === 0) firstMs = performance.now() - t0;
    items.push(item.data);
    ids.push(item.id);
    if (TERMINAL.has(item.data.type)) resultMs = performance.now() - t0;
    if (item.data.type === "InputRequiredEvent") {
      await hold?.arrive();
      const sent = await client.json("POST", `/events/${id}`, {
        event: { type: "HumanResponseEvent", value: { response: flow.answer(i) } },
      });
      if (sent.status !== "sent") throw new Error(`POST /events/${id}: ${JSON.stringify(sent)}`);
    }
  }
  checkStream(flow, i, items, ids);
  return { id, firstMs, resultMs };
}

/** Throws unless every run's `GET /results/{id}` is 200, completed, with the run's own result. */
export async function checkResults(client: LoadClient, flow: LoadFlow, pass: Pass<HttpRun>): Promise<void> {
  const ids = pass.runs.map((run) => run.id);
  if (new Set(ids).size !== ids.length)
    throw new Error(`${flow.name}: ${new Set(ids).size} handler ids for ${ids.length} runs`);
  await Promise.all(
    ids.map(async (id, i) => {
      const handler = await client.json("GET", `/results/${id}`);
      const want = JSON.stringify({ type: "StopEvent", value: { result: flow.result(i) } });
      if (handler.status !== "completed" || JSON.stringify(handler.result) !== want) {
        throw new Error(`${flow.name} run ${i}: GET /results/${id} gave ${JSON.stringify(handler)}`);
      }
    }),
  );
}

/** `n` runs of `flow` over HTTP, all started at once, each stream checked to its end. */
export function httpRuns(client: LoadClient, flow: LoadFlow, n: number, hold?: Hold): Promise<Pass<HttpRun>> {
  return runPass(n, (i) => driveHttp(client, flow, i, hold));
}

/** {@link httpRuns}, then every result checked. */
export async function httpPass(client: LoadClient, flow: LoadFlow, n: number, hold?: Hold): Promise<Pass> {
  const pass = await httpRuns(client, flow, n, hold);
  await checkResults(client, flow, pass);
  return pass;
}
