import { request as httpRequest } from "node:http";
import { createServer as createNetServer } from "node:net";
import {
  createClient,
  createConfig,
  getEventsByHandlerId,
  getHealth,
  getWorkflows,
  postEventsByHandlerId,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore, WorkflowError } from "../../src/index.js";
import { PostgresStore } from "../../src/persistence/postgres-store.js";
import { createServer, loopbackHosts, type RunningServer, type ServerOptions, serve } from "../../src/server/index.js";
import { echo, ticker } from "./harness.js";

const open: RunningServer[] = [];
afterAll(() => Promise.all(open.map((s) => s.close())));

async function start(options: Omit<ServerOptions, "workflows">): Promise<string> {
  const server = await serve(createServer({ workflows: { echo, ticker }, ...options }), { port: 0 });
  open.push(server);
  return `http://${server.host}:${server.port}`;
}

const clientFor = (baseUrl: string, headers: Record<string, string> = {}) =>
  createClient(createConfig({ baseUrl, headers }));

describe("auth", () => {
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await start({ auth: { bearer: ["s3cret", "rotated"] } });
  });

  it("answers 401 JSON with WWW-Authenticate without a token or with a wrong one, on every route but /health", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong" }, { Authorization: "Basic czNjcmV0" }]) {
      const { response, error } = await getWorkflows({ client: clientFor(baseUrl, headers) });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe("Bearer");
      expect(error).toEqual({ code: "UNAUTHORIZED", message: "Missing or invalid credentials" });
    }
    // An unknown route or the API document tell nothing to a caller without a token.
    expect((await fetch(`${baseUrl}/nowhere`)).status).toBe(401);
    expect((await fetch(`${baseUrl}/openapi.json`)).status).toBe(401);
    const health = await getHealth({ client: clientFor(baseUrl) });
    expect(health.data).toEqual({ status: "healthy" });
  });

  it("lets each configured token through, whatever the scheme's case", async () => {
    for (const Authorization of ["Bearer s3cret", "bearer rotated"]) {
      const client = clientFor(baseUrl, { Authorization });
      expect((await getWorkflows({ client })).data).toEqual({ workflows: ["echo", "ticker"] });
    }
  });

  it("takes a hook, sync or async; a hook that throws is a 500 INTERNAL with no details", async () => {
    const hooked = await start({ auth: async (request) => request.headers.get("x-api-key") === "k1" });
    expect((await getWorkflows({ client: clientFor(hooked, { "x-api-key": "k1" }) })).response.status).toBe(200);
    expect((await getWorkflows({ client: clientFor(hooked, { "x-api-key": "k2" }) })).response.status).toBe(401);
    const throwing = await start({
      auth: () => {
        throw new Error("db password is hunter2");
      },
    });
    const failed = await fetch(`${throwing}/workflows`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ code: "INTERNAL", message: "Internal server error" });
  });

  it("refuses a bearer option with no usable token when the server is created", () => {
    expect(() => createServer({ workflows: { echo }, auth: { bearer: [] } })).toThrow(TypeError);
    expect(() => createServer({ workflows: { echo }, auth: { bearer: "" } })).toThrow(TypeError);
  });
});

describe("limits", () => {
  const tooLarge = { code: "PAYLOAD_TOO_LARGE", message: "The request body is larger than 1024 bytes" };

  it("answers 413 JSON to a body over bodyBytes, by its Content-Length or as it streams in", async () => {
    const baseUrl = await start({ limits: { bodyBytes: 1024 } });
    const client = clientFor(baseUrl);
    const small = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "echo" },
      body: { start_event: { text: "hi" } },
    });
    expect(small.response.status).toBe(200);
    const big = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "echo" },
      body: { start_event: { text: "x".repeat(2000) } },
    });
    expect(big.response.status).toBe(413);
    expect(big.error).toEqual(tooLarge);
    // No Content-Length: the limit counts the bytes as they come.
    const chunk = new TextEncoder().encode(JSON.stringify({ start_event: { text: "y".repeat(600) } }));
    const chunked = await fetch(`${baseUrl}/workflows/echo/run-nowait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(chunk);
          controller.enqueue(chunk);
          controller.close();
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual(tooLarge);
    expect((await getWorkflows({ client })).data?.workflows).toEqual(["echo", "ticker"]);
  });

  it("limits bodies to 1 MiB by default", async () => {
    const baseUrl = await start({});
    const post = (size: number) =>
      fetch(`${baseUrl}/workflows/echo/run-nowait`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ start_event: { text: "z".repeat(size) } }),
      });
    expect((await post(1024 * 1024 - 100)).status).toBe(200);
    const refused = await post(1024 * 1024);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
  });
});

describe("ended runs kept in memory (limits.endedRuns)", () => {
  async function runEchoes(baseUrl: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const ran = await fetch(`${baseUrl}/workflows/echo/run`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ start_event: { text: `run ${i}` } }),
      });
      ids.push(((await ran.json()) as { handler_id: string }).handler_id);
    }
    return ids;
  }

  it("forgets the oldest ended run past the limit: a 404 without a store", async () => {
    const baseUrl = await start({ limits: { endedRuns: 2 } });
    const ids = await runEchoes(baseUrl, 3);
    const statuses = await Promise.all(ids.map(async (id) => (await fetch(`${baseUrl}/results/${id}`)).status));
    expect(statuses).toEqual([404, 200, 200]);
    const listed = (await (await fetch(`${baseUrl}/handlers`)).json()) as { handlers: { handler_id: string }[] };
    expect(listed.handlers.map((h) => h.handler_id)).toEqual(ids.slice(1));
  });

  it("reads a forgotten run from its record with a store", async () => {
    const baseUrl = await start({ limits: { endedRuns: 1 }, store: new MemoryStore() });
    const [first] = await runEchoes(baseUrl, 2);
    const result = await fetch(`${baseUrl}/results/${first}`);
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ status: "completed", result: { value: { result: "RUN 0" } } });
  });

  it("refuses a limit that is not a whole number, and a retain window that is not one, when created", () => {
    expect(() => createServer({ workflows: { echo }, limits: { endedRuns: -1 } })).toThrow(TypeError);
    expect(() => createServer({ workflows: { echo }, retain: { items: 0 } })).toThrow(
      expect.objectContaining({ code: "WORKFLOW_VALIDATION" }),
    );
  });
});

describe("cors", () => {
  const preflight = (baseUrl: string) =>
    fetch(`${baseUrl}/workflows/echo/run-nowait`, {
      method: "OPTIONS",
      headers: {
        Origin: "https://app.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
      },
    });

  it("answers a browser's preflight before auth when enabled, and marks even a 401 readable", async () => {
    const baseUrl = await start({ cors: { origin: "https://app.example" }, auth: { bearer: "s3cret" } });
    const answer = await preflight(baseUrl);
    expect(answer.status).toBe(204);
    expect(answer.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(answer.headers.get("access-control-allow-methods")).toContain("POST");
    expect(answer.headers.get("access-control-allow-headers")).toContain("authorization");
    const refused = await fetch(`${baseUrl}/workflows`, { headers: { Origin: "https://app.example" } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("is off by default: no CORS headers, and a preflight from another origin is refused", async () => {
    const baseUrl = await start({});
    const answer = await preflight(baseUrl);
    expect(answer.status).toBe(403);
    expect(answer.headers.get("access-control-allow-origin")).toBeNull();
  });
});

/** Raw SSE blocks (comments included) until `until` says stop. */
async function readBlocks(url: string, until: (blocks: string[]) => boolean): Promise<string[]> {
  const abort = new AbortController();
  const response = await fetch(url, { signal: abort.signal });
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  const blocks: string[] = [];
  let buffer = "";
  try {
    while (!until(blocks)) {
      const { done, value } = await reader.read();
      if (done) break;
      buffer += value;
      const parts = buffer.split("\n\n");
      buffer = parts.pop() ?? "";
      blocks.push(...parts);
    }
  } finally {
    abort.abort();
  }
  return blocks;
}

describe("SSE heartbeats", () => {
  const kind = (block: string) => (block.startsWith(":") ? block : JSON.parse(block.split("data: ")[1] ?? "{}").type);

  it("sends `: keep-alive` every heartbeatMs while the stream is idle, after the items it has", async () => {
    const baseUrl = await start({ heartbeatMs: 20 });
    const client = clientFor(baseUrl);
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "ticker" },
      body: { start_event: { count: 1 } },
    });
    const id = started.data?.handler_id as string;
    // The run waits for a person: the stream has two items, then idles.
    const blocks = await readBlocks(`${baseUrl}/events/${id}?after_sequence=-1`, (b) => b.length >= 4);
    expect(blocks.map(kind)).toEqual(["Tick", "InputRequiredEvent", ": keep-alive", ": keep-alive"]);
  });

  it("leaves the official client's stream as it was: comments are not events", async () => {
    const baseUrl = await start({ heartbeatMs: 20 });
    const client = clientFor(baseUrl);
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "ticker" },
      body: { start_event: { count: 0 } },
    });
    const id = started.data?.handler_id as string;
    const types: string[] = [];
    // The client reads the stream only while the loop asks for the next event: the answer goes
    // from its SSE callback, once a heartbeat has come after the prompt.
    let answered: Promise<unknown> | undefined;
    const { stream } = await getEventsByHandlerId({
      client,
      path: { handler_id: id },
      query: { after_sequence: -1 },
      sseMaxRetryAttempts: 1,
      onSseEvent: (event) => {
        if (event.data !== undefined || !types.includes("InputRequiredEvent")) return;
        answered ??= postEventsByHandlerId({
          client,
          path: { handler_id: id },
          body: { event: { type: "HumanResponseEvent", value: { response: "ok" } } },
        });
      },
    });
    for await (const event of stream) {
      const { type } = event as { type: string };
      types.push(type);
      if (type === "StopEvent") break;
    }
    expect((await answered) as { data: unknown }).toMatchObject({ data: { status: "sent" } });
    expect(types).toEqual(["InputRequiredEvent", "Tick", "StopEvent"]);
  });
});

describe("errors on the server's side", () => {
  it("answers a store it cannot reach with 500 INTERNAL and no details, and hands the error to onError", async () => {
    const closed = await freePort();
    const seen: unknown[] = [];
    const store = new PostgresStore({ connectionString: `postgres://nobody@127.0.0.1:${closed}/none` });
    const baseUrl = await start({
      store,
      onError: (error, request) => seen.push([error, new URL(request.url).pathname]),
    });
    const answer = await fetch(`${baseUrl}/handlers`);
    expect(answer.status).toBe(500);
    expect(await answer.json()).toEqual({ code: "INTERNAL", message: "Internal server error" });
    expect(seen).toEqual([[expect.objectContaining({ message: expect.stringMatching(/ECONNREFUSED/) }), "/handlers"]]);
    await store.close();
  });

  it("keeps a STORE error's code but not its message, which is the operator's (paths, hosts)", async () => {
    class UnreadableStore extends MemoryStore {
      override async list(): Promise<never> {
        throw new WorkflowError("STORE", "SqliteStore cannot open the database /srv/secret/runs.db: EACCES");
      }
    }
    const baseUrl = await start({
      store: new UnreadableStore(),
      onError: () => {
        throw new Error("a logger that fails");
      },
    });
    const answer = await fetch(`${baseUrl}/handlers`);
    expect(answer.status).toBe(500);
    const body = await answer.text();
    expect(JSON.parse(body)).toEqual({ code: "STORE", message: "The server's run store failed; the run is unchanged" });
    expect(body).not.toContain("/srv/secret");
  });
});

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("requests from another site", () => {
  it("refuses a POST a page of another site sends without asking (no cors), and lets same-site and GETs through", async () => {
    const baseUrl = await start({});
    const simple = await fetch(`${baseUrl}/workflows/echo/run-nowait`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: "https://evil.example" },
      body: JSON.stringify({ start_event: { text: "csrf" } }),
    });
    expect(simple.status).toBe(403);
    expect(await simple.json()).toMatchObject({ code: "FORBIDDEN" });
    const listed = (await (await fetch(`${baseUrl}/handlers`)).json()) as { handlers: unknown[] };
    expect(listed.handlers).toEqual([]); // nothing started
    const own = await fetch(`${baseUrl}/workflows/echo/run`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: baseUrl },
      body: JSON.stringify({ start_event: { text: "mine" } }),
    });
    expect(own.status).toBe(200);
    // Reads from this origin, and from clients that are no browser (no Origin, no Sec-Fetch-Site).
    expect((await fetch(`${baseUrl}/workflows`, { headers: { origin: baseUrl } })).status).toBe(200);
    expect((await fetch(`${baseUrl}/workflows`)).status).toBe(200);
  });

  it("refuses any method from another site without cors: a foreign Origin, or Sec-Fetch-Site: cross-site", async () => {
    const baseUrl = await start({});
    const status = async (headers: Record<string, string>, method = "GET") =>
      (await fetch(`${baseUrl}/workflows`, { method, headers })).status;
    expect(await status({ origin: "https://evil.example" })).toBe(403);
    expect(await status({ origin: "null" })).toBe(403); // a sandboxed frame or a file
    expect(await status({ "sec-fetch-site": "cross-site" })).toBe(403);
    expect(await status({ "sec-fetch-site": "cross-site" }, "HEAD")).toBe(403);
    const refused = await fetch(`${baseUrl}/workflows`, { headers: { "sec-fetch-site": "cross-site" } });
    expect(await refused.json()).toMatchObject({ code: "FORBIDDEN" });
    // This origin's page (same-origin), a link followed or a URL typed (none), a sibling port (same-site).
    for (const site of ["same-origin", "none", "same-site"]) expect(await status({ "sec-fetch-site": site })).toBe(200);
    expect(await status({ "sec-fetch-site": "same-origin", origin: baseUrl })).toBe(200);
    // A link to the server's root followed from another site opens it (the dev page lives there);
    // a navigation anywhere else from another site is still refused (GET /events resumes a run).
    // (node:http: fetch sets Sec-Fetch-Mode itself.)
    const navigate = { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" };
    expect(await rawStatus(`${baseUrl}/`, navigate)).not.toBe(403);
    expect(await rawStatus(`${baseUrl}/workflows`, navigate)).toBe(403);
    expect(await rawStatus(`${baseUrl}/`, navigate, "POST")).toBe(403);
  });

  it("does not resume a stored run for a cross-site GET of its stream (an <img> or EventSource of another site)", async () => {
    const store = new MemoryStore();
    const waiting = ticker.run({ count: 0 }, { store, runId: "t-1" });
    for await (const ev of waiting.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    await waiting.detach();
    const baseUrl = await start({ store });
    const stream = (headers: Record<string, string>) =>
      fetch(`${baseUrl}/events/t-1?after_sequence=-1`, { headers, signal: AbortSignal.timeout(5_000) });
    for (const headers of [{ "sec-fetch-site": "cross-site" }, { origin: "https://evil.example" }]) {
      const refused = await stream(headers);
      expect(refused.status).toBe(403);
      await refused.body?.cancel();
    }
    expect((await store.load("t-1"))?.lease).toBeNull(); // nothing took the run
    const own = await stream({ "sec-fetch-site": "same-origin" });
    expect(own.status).toBe(200);
    await own.body?.cancel();
  });

  it("leaves the decision to cors when it is set", async () => {
    const baseUrl = await start({ cors: { origin: "https://app.example" } });
    const allowed = await fetch(`${baseUrl}/workflows/echo/run`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: "https://app.example" },
      body: JSON.stringify({ start_event: { text: "ok" } }),
    });
    expect(allowed.status).toBe(200);
  });

  it("answers only the host names given in `hosts` (a DNS-rebound name is refused)", async () => {
    const baseUrl = await start({ hosts: loopbackHosts });
    expect((await fetch(`${baseUrl}/workflows`)).status).toBe(200);
    const { port } = new URL(baseUrl);
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port, path: "/workflows", headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end();
    });
    expect(rebound).toBe(403);
  });
});

/** A request's status through node:http, which sends the headers as given (fetch sets some itself). */
function rawStatus(url: string, headers: Record<string, string>, method = "GET"): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
