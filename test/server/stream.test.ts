import {
  getEventsByHandlerId,
  postEventsByHandlerId,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMPT } from "../../examples/human-approval.js";
import { readNdjson, readSse, startTestServer, type TestServer } from "./harness.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function startTicker(count: number): Promise<string> {
  const started = await postWorkflowsByNameRunNowait({
    client: server.client,
    path: { name: "ticker" },
    body: { start_event: { count } },
  });
  return started.data?.handler_id as string;
}

const answer = (id: string, response: string) =>
  postEventsByHandlerId({
    client: server.client,
    path: { handler_id: id },
    body: { event: { type: "HumanResponseEvent", value: { response } } },
  });

const isPrompt = (item: { data: { type: string } }) => item.data.type === "InputRequiredEvent";

describe("GET /events/{handler_id}", () => {
  it("streams a human-in-the-loop run over SSE with the client's helper, answered with POST /events", async () => {
    const started = await postWorkflowsByNameRunNowait({
      client: server.client,
      path: { name: "approval" },
      body: { start_event: { topic: "tea" } },
    });
    const id = started.data?.handler_id as string;
    const { stream } = await getEventsByHandlerId({
      client: server.client,
      path: { handler_id: id },
      query: { after_sequence: -1 },
      sseMaxRetryAttempts: 1,
    });
    const seen: { type: string; value: Record<string, unknown> }[] = [];
    for await (const event of stream) {
      const item = event as { type: string; value: Record<string, unknown> };
      seen.push(item);
      if (item.type === "InputRequiredEvent") {
        expect(item.value.prefix).toBe(PROMPT);
        const sent = await answer(id, "yes");
        expect(sent.data).toEqual({ status: "sent" });
      }
      if (item.type === "StopEvent") break;
    }
    expect(seen.map((e) => e.type)).toEqual(["InputRequiredEvent", "StopEvent"]);
    expect(seen[1]?.value.result).toMatchObject({ approved: true, revisions: 0 });
  });

  it("numbers SSE items with their stream position and reconnects after Last-Event-ID, losing and repeating nothing", async () => {
    const id = await startTicker(3);
    const url = `${server.baseUrl}/events/${id}`;
    const first = await readSse(`${url}?after_sequence=-1`, { until: isPrompt });
    expect(first.items.map((i) => [i.id, i.data.type])).toEqual([
      ["0", "Tick"],
      ["1", "Tick"],
      ["2", "Tick"],
      ["3", "InputRequiredEvent"],
    ]);
    // The tab went away after item 1; it comes back with Last-Event-ID, which beats after_sequence.
    await answer(id, "go");
    const rest = await readSse(`${url}?after_sequence=-1`, { headers: { "Last-Event-ID": "1" } });
    expect(rest.items.map((i) => [i.id, i.data.type, i.data.value])).toEqual([
      ["2", "Tick", { n: 2 }],
      ["3", "InputRequiredEvent", { prefix: "go on?" }],
      ["4", "Tick", { n: -1 }],
      ["5", "StopEvent", { result: "go" }],
    ]);
    // Everything consumed from a finished run: 204, also for "now".
    expect((await readSse(url, { headers: { "Last-Event-ID": "5" } })).status).toBe(204);
    expect((await readSse(`${url}?after_sequence=now`)).status).toBe(204);
  });

  it("streams NDJSON with sse=false, each line an envelope with its sequence, resuming with after_sequence", async () => {
    const id = await startTicker(2);
    const url = `${server.baseUrl}/events/${id}?sse=false`;
    const waiting = await readSse(`${server.baseUrl}/events/${id}?after_sequence=-1`, { until: isPrompt });
    expect(waiting.items).toHaveLength(3);
    // "now" on a waiting run starts after what is there: the answer's items only.
    const later = await fetch(`${url}&after_sequence=now`);
    await answer(id, "fine");
    const all = await readNdjson(`${url}&after_sequence=-1`);
    expect(all.lines).toEqual([
      { type: "Tick", value: { n: 0 }, sequence: 0 },
      { type: "Tick", value: { n: 1 }, sequence: 1 },
      { type: "InputRequiredEvent", value: { prefix: "go on?" }, sequence: 2 },
      { type: "Tick", value: { n: -1 }, sequence: 3 },
      { type: "StopEvent", value: { result: "fine" }, sequence: 4 },
    ]);
    const resumed = await readNdjson(`${url}&after_sequence=2`);
    expect(resumed.lines.map((l) => l.sequence)).toEqual([3, 4]);
    expect(later.status).toBe(200);
    const nowLines = (await later.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).sequence);
    expect(nowLines).toEqual([3, 4]);
    expect((await readNdjson(`${url}&after_sequence=4`)).status).toBe(204);
  });

  it("adds step traffic with include_internal, qualified names on request; refuses bad positions and unknown handlers", async () => {
    const id = await startTicker(0);
    await answer(id, "x");
    const all = await readNdjson(
      `${server.baseUrl}/events/${id}?sse=false&after_sequence=-1&include_internal=true&include_qualified_name=true`,
    );
    const types = all.lines.map((l) => l.type);
    expect(types).toContain("StepStartedEvent");
    expect(types).toContain("StepFinishedEvent");
    expect(types.at(-1)).toBe("StopEvent");
    expect(all.lines.at(-1)).toMatchObject({ qualified_name: "StopEvent" });
    for (const position of ["soon", "1e3", "0x1", " 5 ", "-2"]) {
      const bad = await fetch(`${server.baseUrl}/events/${id}?after_sequence=${encodeURIComponent(position)}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "BAD_REQUEST" });
    }
    // A running run: a position it has not reached is refused, not waited after.
    const live = await startTicker(2);
    const past = await fetch(`${server.baseUrl}/events/${live}?after_sequence=100&sse=false`);
    expect(past.status).toBe(400);
    expect(await past.json()).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/past the run's last item/),
    });
    await answer(live, "done");
    const unknown = await fetch(`${server.baseUrl}/events/nobody`);
    expect(unknown.status).toBe(404);
  });
});
