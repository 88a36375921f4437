import {
  createClient,
  createConfig,
  getEventsByHandlerId,
  getHandlers,
  getHandlersByHandlerId,
  getHealth,
  getResultsByHandlerId,
  getWorkflows,
  getWorkflowsByNameEvents,
  getWorkflowsByNameRepresentation,
  getWorkflowsByNameSchema,
  postEventsByHandlerId,
  postHandlersByHandlerIdCancel,
  postWorkflowsByNameRun,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "../../src/server/index.js";
import { startTestServer, type TestServer, ticker } from "./harness.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe("stepchart/server, driven by @llamaindex/workflows-client over HTTP", () => {
  it("answers the health check and lists the served workflows", async () => {
    const client = server.client;
    expect((await getHealth({ client })).data).toEqual({ status: "healthy" });
    expect((await getWorkflows({ client })).data).toEqual({ workflows: ["echo", "ticker", "approval"] });
  });

  it("gives the start and stop events' JSON Schemas, the event schemas and the graph", async () => {
    const client = server.client;
    const schema = await getWorkflowsByNameSchema({ client, path: { name: "echo" } });
    expect(schema.data?.start).toMatchObject({
      title: "StartEvent",
      type: "object",
      properties: { text: { type: "string" } },
      required: ["text"],
    });
    expect(schema.data?.stop).toMatchObject({ title: "StopEvent", type: "object" });
    const events = await getWorkflowsByNameEvents({ client, path: { name: "ticker" } });
    // The events the definition names (Tick is only written to the stream, which declares nothing).
    expect(events.data?.events.map((e) => e.title)).toEqual([
      "StartEvent",
      "InputRequiredEvent",
      "HumanResponseEvent",
      "StopEvent",
    ]);
    const graph = await getWorkflowsByNameRepresentation({ client, path: { name: "echo" } });
    expect(graph.data?.graph).toMatchObject({
      edges: [
        { source: "event:StartEvent", target: "step:shout" },
        { source: "step:shout", target: "event:StopEvent" },
      ],
    });
    const missing = await getWorkflowsByNameSchema({ client, path: { name: "nope" } });
    expect(missing.response.status).toBe(404);
    expect(missing.error).toEqual({ code: "NOT_FOUND", message: 'No workflow named "nope" is served' });
  });

  it("runs a workflow and returns its handler with the result envelope", async () => {
    const { data, response } = await postWorkflowsByNameRun({
      client: server.client,
      path: { name: "echo" },
      body: { start_event: { text: "hi" }, handler_id: "echo-1" },
    });
    expect(response.status).toBe(200);
    expect(data).toMatchObject({
      handler_id: "echo-1",
      run_id: "echo-1",
      workflow_name: "echo",
      status: "completed",
      error: null,
      result: { type: "StopEvent", value: { result: "HI" } },
    });
    expect(typeof data?.completed_at).toBe("string");
  });

  it("refuses an invalid start event with 400 and the zod issues", async () => {
    const { error, response } = await postWorkflowsByNameRun({
      client: server.client,
      path: { name: "echo" },
      body: { start_event: { text: 42 } },
    });
    expect(response.status).toBe(400);
    expect(error).toMatchObject({ code: "EVENT_VALIDATION", issues: [{ path: "text" }] });
  });

  it("starts a run without waiting: results are 202 while it waits, 200 once it ended", async () => {
    const client = server.client;
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "ticker" },
      body: { start_event: { count: 1 } },
    });
    const id = started.data?.handler_id as string;
    expect(started.data).toMatchObject({ workflow_name: "ticker", status: "running", result: null });
    const running = await getResultsByHandlerId({ client, path: { handler_id: id } });
    expect(running.response.status).toBe(202);
    const sent = await postEventsByHandlerId({
      client,
      path: { handler_id: id },
      body: { event: { type: "HumanResponseEvent", value: { response: "done" } } },
    });
    expect(sent.data).toEqual({ status: "sent" });
    // The run ends on its own schedule: ask until it has (each answer is 202 until then).
    let result = await getHandlersByHandlerId({ client, path: { handler_id: id } });
    while (result.response.status === 202) result = await getHandlersByHandlerId({ client, path: { handler_id: id } });
    expect(result.response.status).toBe(200);
    expect(result.data).toMatchObject({
      status: "completed",
      result: { type: "StopEvent", value: { result: "done" } },
    });
    const again = await getResultsByHandlerId({ client, path: { handler_id: id } });
    expect(again.response.status).toBe(200);
    const late = await postEventsByHandlerId({
      client,
      path: { handler_id: id },
      body: { event: { type: "HumanResponseEvent", value: { response: "late" } } },
    });
    expect(late.response.status).toBe(409);
    expect(late.error).toMatchObject({ code: "WORKFLOW_STATE" });
  });

  it("cancels a waiting run, and lists handlers filtered by status and workflow", async () => {
    const client = server.client;
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "approval" },
      body: { start_event: { topic: "tea" }, handler_id: "cancel-me" },
    });
    expect(started.data?.status).toBe("running");
    const waiting = await getHandlers({ client, query: { status: ["running"], workflow_name: ["approval"] } });
    expect(waiting.data?.handlers.map((h) => h.handler_id)).toEqual(["cancel-me"]);
    const cancelled = await postHandlersByHandlerIdCancel({ client, path: { handler_id: "cancel-me" } });
    expect(cancelled.data).toEqual({ status: "cancelled" });
    const handler = await getHandlersByHandlerId({ client, path: { handler_id: "cancel-me" } });
    expect(handler.data).toMatchObject({ status: "cancelled" });
    const listed = await getHandlers({ client, query: { status: ["cancelled"] } });
    expect(listed.data?.handlers.map((h) => h.handler_id)).toEqual(["cancel-me"]);
    const echoes = await getHandlers({ client, query: { workflow_name: ["echo"], status: ["completed"] } });
    expect(echoes.data?.handlers.map((h) => h.handler_id)).toContain("echo-1");
    const purged = await postHandlersByHandlerIdCancel({
      client,
      path: { handler_id: "cancel-me" },
      query: { purge: true },
    });
    expect(purged.data).toEqual({ status: "deleted" });
    const gone = await getHandlersByHandlerId({ client, path: { handler_id: "cancel-me" } });
    expect(gone.response.status).toBe(404);
  });

  it("refuses bad events with 400 and the issues, unknown handlers with 404, runtime messages always", async () => {
    const client = server.client;
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "ticker" },
      body: { start_event: { count: 0 } },
    });
    const id = started.data?.handler_id as string;
    const send = (event: unknown) =>
      postEventsByHandlerId({ client, path: { handler_id: id }, body: { event: event as string } });
    const invalid = await send({ type: "HumanResponseEvent", value: { response: 7 } });
    expect(invalid.response.status).toBe(400);
    expect(invalid.error).toMatchObject({ code: "EVENT_VALIDATION", issues: [{ path: "response" }] });
    const foreign = await send({ type: "Tick", value: { n: 1 } });
    expect(foreign.response.status).toBe(400);
    for (const type of ["stepchart.cancel", "stepchart.step.done", "xstate.stop"]) {
      const forged = await send({ type, value: {} });
      expect(forged.response.status).toBe(400);
      expect(forged.error).toMatchObject({ code: "EVENT_VALIDATION" });
    }
    const notJson = await send("{not json");
    expect(notJson.error).toMatchObject({ code: "BAD_REQUEST" });
    const unknown = await postEventsByHandlerId({
      client,
      path: { handler_id: "no-such-run" },
      body: { event: { type: "HumanResponseEvent", value: { response: "x" } } },
    });
    expect(unknown.response.status).toBe(404);
    expect(unknown.error).toMatchObject({ code: "NOT_FOUND" });
    // The run is unaffected by what was refused, and takes a good answer sent as a JSON string.
    const good = await send(JSON.stringify({ type: "HumanResponseEvent", value: { response: "ok" } }));
    expect(good.data).toEqual({ status: "sent" });
    const stream = await fetch(`${server.baseUrl}/events/${id}?sse=false&after_sequence=-1`);
    expect(await stream.text()).toContain('"result":"ok"');
  });

  it("answers unknown routes and malformed bodies with a JSON error, never a stack", async () => {
    const route = await fetch(`${server.baseUrl}/nowhere`);
    expect(route.status).toBe(404);
    expect(await route.json()).toEqual({ code: "NOT_FOUND", message: "No route GET /nowhere" });
    const body = await fetch(`${server.baseUrl}/workflows/echo/run`, { method: "POST", body: "{" });
    expect(body.status).toBe(400);
    expect(await body.json()).toEqual({ code: "BAD_REQUEST", message: "The body is not valid JSON" });
  });
});

describe("the app as a standard fetch handler (Bun, Deno, edge runtimes: no Node server)", () => {
  it("answers Requests with Responses, streams included, and the official client drives it through `fetch`", async () => {
    const app = createServer({ workflows: { ticker } });
    // The client's `fetch` option: every call goes to `app.fetch`, no socket involved.
    const client = createClient(
      createConfig({
        baseUrl: "http://workflows.local",
        fetch: async (input, init) => app.fetch(new Request(input, init)),
      }),
    );
    const started = await postWorkflowsByNameRunNowait({
      client,
      path: { name: "ticker" },
      body: { start_event: { count: 2 } },
    });
    const handler_id = started.data?.handler_id as string;
    const { stream } = await getEventsByHandlerId({ client, path: { handler_id }, query: { after_sequence: -1 } });
    const seen: string[] = [];
    for await (const ev of stream) {
      if (!ev) continue;
      seen.push(ev.type);
      if (ev.type === "InputRequiredEvent") {
        const answer = { event: { type: "HumanResponseEvent", value: { response: "edge" } } };
        await postEventsByHandlerId({ client, path: { handler_id }, body: answer });
      }
    }
    expect(seen).toEqual(["Tick", "Tick", "InputRequiredEvent", "Tick", "StopEvent"]);
    const result = await app.fetch(new Request(`http://workflows.local/results/${handler_id}`));
    expect(await result.json()).toMatchObject({ status: "completed", result: { value: { result: "edge" } } });
  });
});
