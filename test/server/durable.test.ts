import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createClient,
  createConfig,
  getHandlers,
  getHandlersByHandlerId,
  getResultsByHandlerId,
  postEventsByHandlerId,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import {
  HumanResponseEvent,
  MemoryStore,
  StopEvent,
  startEvent,
  type WorkflowStore,
  workflow,
} from "../../src/index.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { createServer, resumeInterrupted, serve } from "../../src/server/index.js";
import { deferred, sleep } from "../helpers.js";
import { echo, readSse, startTestServer, ticker } from "./harness.js";
import { startServerProcess } from "./processes.js";

type Client = ReturnType<typeof createClient>;
const yes = { event: { type: "HumanResponseEvent", value: { response: "yes" } } };

/** Waits until the stored run is in `status` (the runner saves a run as it starts waiting). */
async function storedStatus(store: WorkflowStore, runId: string, status: string): Promise<void> {
  while ((await store.load(runId))?.snapshot.status !== status) await sleep(10);
}

/** Polls `GET /results/{id}` until the run has ended (200). */
async function result(client: Client, id: string) {
  for (;;) {
    const answer = await getResultsByHandlerId({ client, path: { handler_id: id } });
    if (answer.response.status !== 202) return answer;
    await sleep(10);
  }
}

describe("stepchart/server with a store: runs this process does not hold", () => {
  it("lists them, delivers an answer through the store to the server running it, and reads results from the record", async () => {
    const store = new MemoryStore({ leaseMs: 300 });
    const [a, b] = [await startTestServer(store), await startTestServer(store)];
    try {
      await postWorkflowsByNameRunNowait({
        client: a.client,
        path: { name: "approval" },
        body: { start_event: { topic: "tea" }, handler_id: "tea-1" },
      });
      await storedStatus(store, "tea-1", "waiting");

      const listed = await getHandlers({ client: b.client, query: { workflow_name: ["approval"] } });
      expect(listed.data?.handlers).toEqual([
        expect.objectContaining({ handler_id: "tea-1", workflow_name: "approval", status: "running", result: null }),
      ]);
      expect((await getHandlersByHandlerId({ client: b.client, path: { handler_id: "tea-1" } })).response.status).toBe(
        202,
      );
      const again = await postWorkflowsByNameRunNowait({
        client: b.client,
        path: { name: "approval" },
        body: { start_event: { topic: "tea" }, handler_id: "tea-1" },
      });
      expect(again.response.status).toBe(409);
      const unknown = await postEventsByHandlerId({ client: b.client, path: { handler_id: "nope" }, body: yes });
      expect(unknown.response.status).toBe(404);

      // A still runs it: B delivers to the store's inbox, and A takes it at its next lease renewal.
      const sent = await postEventsByHandlerId({ client: b.client, path: { handler_id: "tea-1" }, body: yes });
      expect(sent.data).toEqual({ status: "sent" });
      const done = await result(a.client, "tea-1");
      expect(done.response.status).toBe(200);
      expect(done.data).toMatchObject({ result: { value: { result: { approved: true } } } });

      const fromRecord = await result(b.client, "tea-1");
      expect(fromRecord.data).toMatchObject({ status: "completed", workflow_name: "approval", error: null });
      expect(fromRecord.data?.result).toEqual(done.data?.result);
      const late = await postEventsByHandlerId({ client: b.client, path: { handler_id: "tea-1" }, body: yes });
      expect(late.response.status).toBe(409);
      const completed = await getHandlers({ client: b.client, query: { status: ["completed"] } });
      expect(completed.data?.handlers.map((h) => h.handler_id)).toEqual(["tea-1"]);
      expect((await getHandlers({ client: b.client, query: { status: ["running"] } })).data?.handlers).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

const gate = deferred();
const entered = { slow: deferred(), other: deferred() };
const Job = startEvent({ name: z.string() });
/** One step that holds until the test opens the gate: a run that is mid-step when its runner lets go. */
const slow = workflow({ name: "slow", start: Job, timeout: null }).step(
  "work",
  { accepts: Job, emits: [StopEvent] },
  async (_ctx, ev) => {
    entered.slow.resolve();
    await gate.promise;
    return StopEvent({ result: `done ${ev.name}` });
  },
);
const other = workflow({ name: "other", start: Job, timeout: null }).step(
  "work",
  { accepts: Job, emits: [StopEvent] },
  () => {
    entered.other.resolve();
    return new Promise<never>(() => undefined);
  },
);

describe("a run another server took over", () => {
  it("is described by the store on the server that started it, not by a stale failed entry (review bug 3)", async () => {
    const store = new MemoryStore({ leaseMs: 150 });
    const [a, b] = [createServer({ workflows: { approval }, store }), createServer({ workflows: { approval }, store })];
    const post = (app: typeof a, path: string, body: unknown) =>
      app.request(path, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const statusOn = async (app: typeof a) =>
      ((await (await app.request("/handlers/taken-1")).json()) as { status: string }).status;
    await post(a, "/workflows/approval/run-nowait", { start_event: { topic: "tea" }, handler_id: "taken-1" });
    await storedStatus(store, "taken-1", "waiting");
    // A's event loop stalls past its lease (a GC pause, a CPU spike), and the answer reaches B
    // before A's timers run again: B takes the run over and completes it.
    const stalled = Date.now();
    while (Date.now() - stalled < 400) {}
    expect((await post(b, "/events/taken-1", yes)).status).toBe(200);
    await storedStatus(store, "taken-1", "completed");
    // A's own handler ends with WORKFLOW_STATE (it lost the run): A then answers from the store.
    while ((await statusOn(a)) === "running") await sleep(10);
    expect(await statusOn(a)).toBe("completed");
    expect(await statusOn(b)).toBe("completed");
  });
});

describe("an answer to a run whose runner died on another host", () => {
  it("is applied once that runner's lease runs out: this server then resumes the run", async () => {
    const store = new MemoryStore({ leaseMs: 300 });
    const handler = ticker.run({ count: 1 }, { store, runId: "far-1" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    await handler.detach();
    // A runner on another host claims it and dies: its lease cannot be seen to be free before it expires.
    expect(await store.claim("far-1", "another-host:4242:dead0000")).toBeDefined();
    const server = await serve(createServer({ workflows: { ticker }, store }), { port: 0 });
    try {
      const client = createClient(createConfig({ baseUrl: `http://127.0.0.1:${server.port}` }));
      const sent = await postEventsByHandlerId({ client, path: { handler_id: "far-1" }, body: yes });
      expect(sent.data).toEqual({ status: "sent" });
      const done = await result(client, "far-1");
      expect(done.data).toMatchObject({ status: "completed", result: { value: { result: "yes" } } });
    } finally {
      await server.close();
    }
  });
});

describe("a stored run another runner claims while this server loads it", () => {
  /** A store whose next claim lets a competitor (another runner, in this process) resume the run first. */
  class RacedStore extends MemoryStore {
    competitor: Promise<unknown> | undefined;
    #race = false;
    raceNextClaim(): void {
      this.#race = true;
    }
    #finish = false;
    #fail = false;
    /** The competitor also answers the run and waits for its end: it has ended when this server claims it. */
    finishNextClaim(): void {
      this.#race = true;
      this.#finish = true;
    }
    /** The next claim fails as a store that is down would. */
    failNextClaim(): void {
      this.#fail = true;
    }
    override async claim(...args: Parameters<MemoryStore["claim"]>) {
      if (this.#fail) {
        this.#fail = false;
        throw new Error("connect ECONNREFUSED 10.0.0.7:5432");
      }
      if (this.#race) {
        this.#race = false;
        const competitor = ticker.resume(args[0], { store: this });
        this.competitor = competitor.then(String);
        await competitor.loaded;
        if (this.#finish) {
          this.#finish = false;
          competitor.sendEvent(HumanResponseEvent({ response: "done elsewhere" }));
          await this.competitor;
        }
      }
      return super.claim(...args);
    }
  }

  async function waitingRun(store: RacedStore, runId: string): Promise<void> {
    const handler = ticker.run({ count: 1 }, { store, runId });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    await handler.detach();
  }

  it("answers 409 to a stream or a cancel, deletes nothing, and an answer reaches the competitor", async () => {
    const store = new RacedStore({ leaseMs: 300 });
    await waitingRun(store, "raced-1");
    const server = await serve(createServer({ workflows: { ticker }, store }), { port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      store.raceNextClaim();
      const stream = await fetch(`${base}/events/raced-1?after_sequence=-1`);
      expect([stream.status, ((await stream.json()) as { code: string }).code]).toEqual([409, "WORKFLOW_STATE"]);
      const purge = await fetch(`${base}/handlers/raced-1/cancel?purge=true`, { method: "POST" });
      expect(purge.status).toBe(409);
      expect(await store.load("raced-1")).toBeDefined();
      const client = createClient(createConfig({ baseUrl: base }));
      expect((await postEventsByHandlerId({ client, path: { handler_id: "raced-1" }, body: yes })).data).toEqual({
        status: "sent",
      });
      expect(await store.competitor).toBe("yes");
    } finally {
      await server.close();
    }
  });
  it("answers a run that ended while it was being claimed from its record, not as failed", async () => {
    const store = new RacedStore({ leaseMs: 300 });
    await waitingRun(store, "raced-2");
    const server = await serve(createServer({ workflows: { ticker }, store }), { port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      store.finishNextClaim();
      const read = await readSse(`${base}/events/raced-2?after_sequence=-1`);
      expect(read.items.map((i) => [i.id, i.data.type])).toEqual([["3", "StopEvent"]]);
      const handler = (await (await fetch(`${base}/handlers/raced-2`)).json()) as { status: string };
      expect(handler.status).toBe("completed");
    } finally {
      await server.close();
    }
  });

  it("answers a store failure while taking a run with a 500 and no details, and takes the run at the next request", async () => {
    const store = new RacedStore({ leaseMs: 300 });
    await waitingRun(store, "down-1");
    const server = await serve(createServer({ workflows: { ticker }, store }), { port: 0 });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      store.failNextClaim();
      const failed = await fetch(`${base}/events/down-1?after_sequence=-1`);
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ code: "INTERNAL", message: "Internal server error" });
      expect((await store.load("down-1"))?.snapshot.status).toBe("waiting");
      const again = await readSse(`${base}/events/down-1?after_sequence=-1`, {
        until: (item) => item.data.type === "InputRequiredEvent",
      });
      expect(again.items.map((i) => [i.id, i.data.type])).toEqual([["1", "InputRequiredEvent"]]);
    } finally {
      await server.close();
    }
  });
});

describe("a stored record the server cannot read", () => {
  it("is a 500 SNAPSHOT for that run (to onError), and does not hide the others from the list", async () => {
    const db = join(dir, "corrupt.db");
    const store = new SqliteStore({ path: db });
    await echo.run({ text: "fine" }, { store, runId: "fine-1" });
    await echo.run({ text: "bad" }, { store, runId: "bad-1" });
    const raw = new Database(db);
    raw.prepare("UPDATE stepchart_runs SET snapshot = ? WHERE run_id = ?").run('{"version":1,"machine":', "bad-1");
    raw.close();
    const errors: unknown[] = [];
    const server = await serve(createServer({ workflows: { echo }, store, onError: (e) => errors.push(e) }), {
      port: 0,
    });
    const base = `http://127.0.0.1:${server.port}`;
    try {
      const listed = (await (await fetch(`${base}/handlers`)).json()) as { handlers: { handler_id: string }[] };
      expect(listed.handlers.map((h) => h.handler_id)).toEqual(["fine-1"]);
      const bad = await fetch(`${base}/handlers/bad-1`);
      expect(bad.status).toBe(500);
      expect(((await bad.json()) as { code: string }).code).toBe("SNAPSHOT");
      expect(errors).toHaveLength(1);
    } finally {
      await server.close();
      store.close();
    }
  });
});

describe("resumeInterrupted", () => {
  it("continues the store's interrupted runs of the served workflows and says which it left alone", async () => {
    const store = new MemoryStore({ leaseMs: 300 });
    const runs = [
      slow.run({ name: "a" }, { store, runId: "slow-1" }),
      other.run({ name: "b" }, { store, runId: "other-1" }),
    ];
    await Promise.all([entered.slow.promise, entered.other.promise]);
    // Saved mid-step, lease let go: both runs list as interrupted.
    await Promise.all(runs.map((run) => run.detach()));
    const app = createServer({ workflows: { slow }, store });
    const server = await serve(app, { port: 0 });
    try {
      expect(await resumeInterrupted(app)).toEqual({
        resumed: ["slow-1"],
        skipped: [{ runId: "other-1", reason: 'workflow "other" is not served here' }],
      });
      gate.resolve();
      const client = createClient(createConfig({ baseUrl: `http://127.0.0.1:${server.port}` }));
      const done = await result(client, "slow-1");
      expect(done.data).toMatchObject({
        status: "completed",
        workflow_name: "slow",
        result: { value: { result: "done a" } },
      });
      expect((await resumeInterrupted(app)).resumed).toEqual([]);
    } finally {
      await server.close();
    }
  });
});

const dir = mkdtempSync(join(tmpdir(), "stepchart-server-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stepchart/server restarted on the same SQLite database", () => {
  it("lists a run that was waiting for a person when the process was killed, and completes it with the answer posted to the new process", async () => {
    const db = join(dir, "restart.db");
    const first = await startServerProcess(db);
    const started = await postWorkflowsByNameRunNowait({
      client: first.client,
      path: { name: "approval" },
      body: { start_event: { topic: "tea" } },
    });
    const id = started.data?.handler_id as string;
    const store = new SqliteStore({ path: db });
    try {
      await storedStatus(store, id, "waiting");
      first.child.kill("SIGKILL");
      await first.exited;

      const second = await startServerProcess(db);
      try {
        const listed = await getHandlers({ client: second.client });
        expect(listed.data?.handlers).toEqual([
          expect.objectContaining({ handler_id: id, workflow_name: "approval", status: "running" }),
        ]);
        const sent = await postEventsByHandlerId({ client: second.client, path: { handler_id: id }, body: yes });
        expect(sent.data).toEqual({ status: "sent" });
        const done = await result(second.client, id);
        expect(done.response.status).toBe(200);
        expect(done.data).toMatchObject({ status: "completed", result: { value: { result: { approved: true } } } });
      } finally {
        second.child.kill("SIGKILL");
        await second.exited;
      }
    } finally {
      store.close();
    }
  }, 20_000);
});
