import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  getHandlers,
  getHandlersByHandlerId,
  getResultsByHandlerId,
  postEventsByHandlerId,
  postHandlersByHandlerIdCancel,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresStore } from "../../src/persistence/postgres-store.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { createServer, serve } from "../../src/server/index.js";
import { sleep } from "../helpers.js";
import { freshSchema, pgSkipReason, pgUrl } from "../persistence/pg.js";
import { readSse, ticker } from "./harness.js";
import { type Client, startServerProcess } from "./processes.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-server-processes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const answer = (response: string) => ({ event: { type: "HumanResponseEvent", value: { response } } });
const label = (item: { data: { type: string; value: Record<string, unknown> } }) =>
  item.data.type === "Tick" ? `Tick ${item.data.value.n}` : item.data.type;

async function result(client: Client, id: string) {
  for (;;) {
    const answered = await getResultsByHandlerId({ client, path: { handler_id: id } });
    if (answered.response.status !== 202) return answered;
    await sleep(10);
  }
}

/** Starts a ticker of 3 ticks and reads its SSE stream up to the prompt: ids 0..3. */
async function tickerAtPrompt(client: Client, baseUrl: string) {
  const started = await postWorkflowsByNameRunNowait({
    client,
    path: { name: "ticker" },
    body: { start_event: { count: 3 } },
  });
  const id = started.data?.handler_id as string;
  const read = await readSse(`${baseUrl}/events/${id}?after_sequence=-1`, {
    until: (item) => item.data.type === "InputRequiredEvent",
  });
  expect(read.items.map((i) => i.id)).toEqual(["0", "1", "2", "3"]);
  return id;
}

describe("a server killed and restarted on the same SQLite database", () => {
  it("keeps stream positions: a client reconnecting with Last-Event-ID gets what follows, nothing twice", async () => {
    const db = join(dir, "positions.db");
    const first = await startServerProcess(db);
    const id = await tickerAtPrompt(first.client, first.baseUrl);
    await first.kill();

    const second = await startServerProcess(db);
    try {
      // Ticks 0..2 were published before the restart: gone, and said so.
      const lost = await fetch(`${second.baseUrl}/events/${id}`, { headers: { "Last-Event-ID": "1" } });
      expect(lost.status).toBe(410);
      expect(await lost.json()).toMatchObject({ code: "STREAM_POSITION" });
      // A client that saw the ticks but not the prompt gets the prompt, at the id it had.
      const reading = readSse(`${second.baseUrl}/events/${id}`, { headers: { "Last-Event-ID": "2" } });
      const sent = await postEventsByHandlerId({
        client: second.client,
        path: { handler_id: id },
        body: answer("on"),
      });
      expect(sent.data).toEqual({ status: "sent" });
      const read = await reading;
      expect(read.items.map((i) => [i.id, label(i)])).toEqual([
        ["3", "InputRequiredEvent"],
        ["4", "Tick -1"],
        ["5", "StopEvent"],
      ]);
      // One that saw the prompt before the restart does not see it again.
      const after = await readSse(`${second.baseUrl}/events/${id}`, { headers: { "Last-Event-ID": "3" } });
      expect(after.items.map((i) => i.id)).toEqual(["4", "5"]);
      const done = await fetch(`${second.baseUrl}/events/${id}`, { headers: { "Last-Event-ID": "5" } });
      expect(done.status).toBe(204);
    } finally {
      await second.kill();
    }
  }, 30_000);

  it("cancels a run the dead process held, and a third server streams its end from the record", async () => {
    const db = join(dir, "cancel.db");
    const first = await startServerProcess(db);
    const id = await tickerAtPrompt(first.client, first.baseUrl);
    await first.kill();

    const second = await startServerProcess(db);
    try {
      const cancelled = await postHandlersByHandlerIdCancel({ client: second.client, path: { handler_id: id } });
      expect(cancelled.data).toEqual({ status: "cancelled" });
      const handler = await getHandlersByHandlerId({ client: second.client, path: { handler_id: id } });
      expect(handler.data).toMatchObject({ status: "cancelled" });
    } finally {
      await second.kill();
    }
    // In this process, on the same file: the run is only a record here.
    const store = new SqliteStore({ path: db });
    const server = await serve(createServer({ workflows: { ticker }, store }), { port: 0 });
    const url = `http://127.0.0.1:${server.port}/events/${id}`;
    try {
      expect((await store.load(id))?.snapshot.status).toBe("cancelled");
      const end = await readSse(url, { headers: { "Last-Event-ID": "3" } });
      expect(end.items.map((i) => [i.id, i.data.type])).toEqual([["4", "WorkflowCancelledEvent"]]);
      expect((await fetch(url, { headers: { "Last-Event-ID": "4" } })).status).toBe(204);
      const behind = await fetch(url, { headers: { "Last-Event-ID": "2" } });
      expect([behind.status, ((await behind.json()) as { code: string }).code]).toEqual([410, "STREAM_POSITION"]);
      const purged = await fetch(`http://127.0.0.1:${server.port}/handlers/${id}/cancel?purge=true`, {
        method: "POST",
      });
      expect(await purged.json()).toEqual({ status: "deleted" });
      expect(await store.load(id)).toBeUndefined();
    } finally {
      await server.close();
      store.close();
    }
  }, 30_000);
});

describe.skipIf(!pgUrl)(`two server processes on one PostgreSQL database${pgSkipReason}`, () => {
  it("take an answer posted to either, and refuse to stream or cancel a run the other holds", async () => {
    const db = `pg:${freshSchema()}`;
    const [a, b] = await Promise.all([startServerProcess(db), startServerProcess(db)]);
    try {
      const onA = await tickerAtPrompt(a.client, a.baseUrl);
      const onB = await tickerAtPrompt(b.client, b.baseUrl);
      const listed = await getHandlers({ client: b.client });
      expect(listed.data?.handlers.map((h) => h.handler_id).sort()).toEqual([onA, onB].sort());
      // B does not hold A's run: no stream or cancel there, while A is alive.
      const stream = await fetch(`${b.baseUrl}/events/${onA}`);
      expect([stream.status, ((await stream.json()) as { code: string }).code]).toEqual([409, "WORKFLOW_STATE"]);
      const cancel = await postHandlersByHandlerIdCancel({ client: b.client, path: { handler_id: onA } });
      expect(cancel.response.status).toBe(409);
      // Each answered through the other: delivered through the store to the process running it.
      const watching = readSse(`${a.baseUrl}/events/${onA}`, { headers: { "Last-Event-ID": "3" } });
      await postEventsByHandlerId({ client: b.client, path: { handler_id: onA }, body: answer("via b") });
      await postEventsByHandlerId({ client: a.client, path: { handler_id: onB }, body: answer("via a") });
      expect((await watching).items.map(label)).toEqual(["Tick -1", "StopEvent"]);
      expect((await result(b.client, onA)).data).toMatchObject({
        status: "completed",
        result: { value: { result: "via b" } },
      });
      expect((await result(a.client, onB)).data).toMatchObject({
        status: "completed",
        result: { value: { result: "via a" } },
      });
    } finally {
      await Promise.all([a.kill(), b.kill()]);
    }
  }, 30_000);

  it("never run the same run twice: a run whose process died mid-step is taken by exactly one of two", async () => {
    const db = `pg:${freshSchema()}`;
    const effects = join(dir, "effects.txt");
    writeFileSync(effects, "");
    const env = { EFFECTS_FILE: effects };
    const dying = await startServerProcess(db, { ...env, STEPCHART_TEST_HOLD: "1" });
    const started = await postWorkflowsByNameRunNowait({ client: dying.client, path: { name: "job" }, body: {} });
    const id = started.data?.handler_id as string;
    while (readFileSync(effects, "utf8") === "") await sleep(10);
    await dying.kill();
    // A process starting up (resumeInterrupted) and a live one asked for the run's stream race for it.
    const live = await startServerProcess(db, env);
    const [starting, streamed] = await Promise.all([
      startServerProcess(db, env),
      fetch(`${live.baseUrl}/events/${id}?after_sequence=-1`),
    ]);
    try {
      const done = await result(live.client, id);
      expect(done.data).toMatchObject({ status: "completed" });
      const ran = readFileSync(effects, "utf8").trim().split("\n").map(Number);
      expect(ran).toHaveLength(2); // the dead process, then exactly one of the two
      expect(ran[0]).toBe(dying.child.pid);
      expect([live.child.pid, starting.child.pid]).toContain(ran[1]);
      expect(done.data).toMatchObject({ result: { value: { result: ran[1] } } });
      // The one that lost answered 409 (streaming) or skipped the run (starting).
      if (ran[1] === starting.child.pid) expect(streamed.status).toBe(409);
      else expect(starting.resumed).toEqual([]);
      await streamed.body?.cancel();
    } finally {
      await Promise.all([live.kill(), starting.kill()]);
    }
    const store = new PostgresStore({ connectionString: pgUrl, schema: db.slice(3) });
    expect((await store.load(id))?.snapshot.status).toBe("completed");
    await store.close();
  }, 30_000);
});
