import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createClient,
  createConfig,
  getEventsByHandlerId,
  getResultsByHandlerId,
  getWorkflows,
  getWorkflowsByNameSchema,
  postEventsByHandlerId,
  postWorkflowsByNameRun,
  postWorkflowsByNameRunNowait,
} from "@llamaindex/workflows-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROMPT, writeDraft } from "../../examples/human-approval.js";
import { createExamplesServer } from "../../examples/server.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { type RunningServer, serve } from "../../src/server/index.js";

type Client = ReturnType<typeof createClient>;
type Envelope = { type: string; value: Record<string, unknown> };
type Run = { id: string; events: Envelope[]; result: unknown; status: string | undefined };

const served = ["rag", "rag-class", "parallel-search", "state", "streaming", "extract", "human-approval"];
const dir = mkdtempSync(join(tmpdir(), "stepchart-examples-server-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Polls `GET /results/{id}` until the run has ended (its stream has, so this is a step or two). */
async function settled(client: Client, id: string) {
  for (;;) {
    const answer = await getResultsByHandlerId({ client, path: { handler_id: id } });
    if (answer.response.status !== 202) return answer;
  }
}

/**
 * Follows a run the way a web page does: streams its events over SSE from the first one, answers
 * each prompt with `POST /events` (the given answers, in order), and reads the result once the
 * stream has ended.
 */
async function follow(
  client: Client,
  id: string,
  options: { answers?: string[]; internal?: boolean } = {},
): Promise<Run> {
  const { stream } = await getEventsByHandlerId({
    client,
    path: { handler_id: id },
    query: { after_sequence: -1, include_internal: options.internal ?? false },
    sseMaxRetryAttempts: 1,
  });
  const answers = [...(options.answers ?? [])];
  const events: Envelope[] = [];
  for await (const item of stream) {
    const ev = item as Envelope;
    events.push(ev);
    const response = ev.type === "InputRequiredEvent" ? answers.shift() : undefined;
    if (response === undefined) continue;
    const event = { type: "HumanResponseEvent", value: { response } };
    const sent = await postEventsByHandlerId({ client, path: { handler_id: id }, body: { event } });
    expect(sent.data).toEqual({ status: "sent" });
  }
  const done = await settled(client, id);
  expect(done.response.status).toBe(200);
  const handler = done.data as { status: string; result: Envelope | null } | undefined;
  return { id, events, result: handler?.result?.value.result, status: handler?.status };
}

/** Starts a run without waiting (`run-nowait`), then follows it to its end. */
async function drive(
  client: Client,
  name: string,
  start: Record<string, unknown>,
  options: { answers?: string[]; internal?: boolean } = {},
): Promise<Run> {
  const started = await postWorkflowsByNameRunNowait({ client, path: { name }, body: { start_event: start } });
  expect(started.response.status).toBe(200);
  return follow(client, started.data?.handler_id as string, options);
}

const types = (run: Run) => run.events.map((e) => e.type);
const count = (run: Run, type: string) => types(run).filter((t) => t === type).length;

describe.each([
  { label: "with a SQLite store", sqlite: true },
  { label: "without a store", sqlite: false },
])("examples/server.ts, every example over HTTP with @llamaindex/workflows-client ($label)", ({ sqlite }) => {
  const store = sqlite ? new SqliteStore({ path: join(dir, "runs.db") }) : undefined;
  let server: RunningServer;
  let client: Client;
  beforeAll(async () => {
    server = await serve(createExamplesServer(store ? { store } : {}), { port: 0 });
    client = createClient(createConfig({ baseUrl: `http://${server.host}:${server.port}` }));
  });
  afterAll(async () => {
    await server.close();
    store?.close();
  });

  /** The run completed, over HTTP and (with a store) in its stored record too. */
  async function expectCompleted(run: Run) {
    expect(run.status).toBe("completed");
    if (store) expect((await store.load(run.id))?.snapshot.status).toBe("completed");
  }

  it("serves every example under its name, with its start event's JSON Schema", async () => {
    expect((await getWorkflows({ client })).data).toEqual({ workflows: served });
    const fields: Record<string, string[]> = {
      rag: ["query", "topK"],
      "parallel-search": ["query"],
      state: ["visitors"],
      streaming: ["topic"],
      extract: ["text"],
      "human-approval": ["topic"],
    };
    for (const name of served) {
      const { data } = await getWorkflowsByNameSchema({ client, path: { name } });
      expect(data?.start).toMatchObject({ title: "StartEvent" });
      expect(data?.stop).toMatchObject({ title: "StopEvent" });
      const start = data?.start as { properties?: object } | undefined;
      const properties = Object.keys(start?.properties ?? {});
      expect(properties).toEqual(fields[name] ?? []);
    }
  });

  it("rag: answers from the bundled documents, with its sources", async () => {
    const run = await drive(client, "rag", { query: "Who introduced statecharts?" });
    expect(types(run)).toEqual(["StopEvent"]);
    const { answer, sources } = run.result as { answer: string; sources: string[] };
    expect(answer).toContain("David Harel introduced statecharts in 1987");
    expect(sources[0]).toBe("statecharts.txt#1");
    await expectCompleted(run);
    const one = await drive(client, "rag", { query: "events steps workflow", topK: 1 });
    expect((one.result as { sources: string[] }).sources).toHaveLength(1);
    const none = await drive(client, "rag", { query: "zebra xylophone" });
    expect(none.result).toEqual({
      answer: "I could not find anything about that in the bundled documents.",
      sources: [],
    });
    const empty = await postWorkflowsByNameRun({ client, path: { name: "rag" }, body: { start_event: { query: "" } } });
    expect(empty.response.status).toBe(400);
    expect(empty.error).toMatchObject({ code: "EVENT_VALIDATION", issues: [{ path: "query" }] });
  });

  it("rag-class: the class form answers like the builder form", async () => {
    const run = await drive(client, "rag-class", { query: "What is a statechart?" });
    expect(types(run)).toEqual(["StopEvent"]);
    expect(run.result).toEqual(expect.stringContaining("finite state machine"));
    await expectCompleted(run);
  });

  it("parallel-search: runs both searches at once and merges their results once both are in", async () => {
    const run = await drive(
      client,
      "parallel-search",
      { query: "How do steps run in parallel with events?" },
      {
        internal: true,
      },
    );
    const lifecycle = run.events
      .filter((e) => e.type === "StepStartedEvent" || e.type === "StepFinishedEvent")
      .map((e) => `${e.type === "StepStartedEvent" ? "start" : "end"} ${e.value.step}`);
    const firstSearchEnd = lifecycle.findIndex((l) => l === "end searchDocs" || l === "end searchFaq");
    expect(lifecycle.indexOf("start searchDocs")).toBeLessThan(firstSearchEnd);
    expect(lifecycle.indexOf("start searchFaq")).toBeLessThan(firstSearchEnd);
    const merges = run.events.filter((e) => e.type === "StepFinishedEvent" && e.value.step === "merge");
    expect(merges.map((m) => m.value.output)).toEqual([null, "StopEvent"]);
    expect(types(run).at(-1)).toBe("StopEvent");
    const merged = run.result as { hits: { text: string }[]; sources: string[]; summary: string | null };
    expect(merged.sources).toContain("faq");
    expect(merged.sources.some((s) => /\.txt#\d+$/.test(s))).toBe(true);
    expect(merged.hits[0]?.text).toContain("How do steps run in parallel?");
    expect(merged.summary).toBeNull();
    await expectCompleted(run);
  });

  it("state: counts every visit of four concurrent workers in typed state", async () => {
    const visitors = ["ada", "grace", "alan", "barbara", "edsger", "margaret", "tim"];
    const run = await drive(client, "state", { visitors }, { internal: true });
    // The internal view: each routed event, and every step invocation.
    expect([count(run, "Visit"), count(run, "Visited"), count(run, "StopEvent")]).toEqual([7, 7, 1]);
    const visits = run.events.filter((e) => e.type === "StepStartedEvent" && e.value.step === "visit");
    expect(visits).toHaveLength(visitors.length);
    expect(types(run).at(-1)).toBe("StopEvent");
    const tally = run.result as { visits: number; expected: number; log: string[]; steps: number };
    // Every step invocation is counted (1 greet, 7 visit, and tally on each of the 7 Visited), as the trace shows.
    const started = run.events.filter((e) => e.type === "StepStartedEvent").length;
    expect(tally).toMatchObject({ visits: 7, expected: 7, steps: 15, peakConcurrency: 4 });
    expect(tally.steps).toBe(started);
    expect([...tally.log].sort()).toEqual([...visitors].sort());
    await expectCompleted(run);
  });

  it("streaming: streams its progress events, then the offline report", async () => {
    const run = await drive(client, "streaming", { topic: "Tokens" });
    expect(types(run)).toEqual(["Progress", "Progress", "Progress", "Progress", "Progress", "StopEvent"]);
    expect(run.events.filter((e) => e.type === "Progress").map((e) => e.value.percent)).toEqual([33, 67, 100, 0, 100]);
    expect(run.events[0]?.value).toEqual({ step: "research", message: "read workflows.txt", percent: 33 });
    expect(run.result).toEqual({
      text: "Tokens: 3 notes (workflows.txt mentions Tokens; statecharts.txt mentions Tokens; streaming.txt mentions Tokens).",
      tokens: 0,
      by: "offline",
    });
    await expectCompleted(run);
  });

  it("extract: fills the Order schema with the offline pattern matcher, and says so", async () => {
    const run = await drive(client, "extract", { text: "Please send 3 boxes of green tea to Ada Lovelace by Friday." });
    expect(types(run)).toEqual(["StopEvent"]);
    expect(run.result).toEqual({
      order: { customer: "Ada Lovelace", item: "green tea", quantity: 3, due: "Friday" },
      by: "offline pattern matcher",
    });
    await expectCompleted(run);
  });

  it("human-approval: streams the prompt with the draft, and approves on the answer posted", async () => {
    const run = await drive(client, "human-approval", { topic: "v1.0" }, { answers: ["yes"] });
    expect(types(run)).toEqual(["InputRequiredEvent", "StopEvent"]);
    const draft = writeDraft("v1.0", []);
    expect(run.events[0]?.value).toEqual({ prefix: PROMPT, payload: { draft, revision: 0 } });
    expect(run.result).toEqual({ approved: true, draft, revisions: 0, feedback: [] });
    await expectCompleted(run);
  });

  it("human-approval: revises once on the feedback posted, then approves", async () => {
    const run = await drive(client, "human-approval", { topic: "v1.0" }, { answers: ["make it shorter", "lgtm"] });
    expect(types(run)).toEqual(["InputRequiredEvent", "InputRequiredEvent", "StopEvent"]);
    const prompts = run.events.filter((e) => e.type === "InputRequiredEvent");
    expect(prompts.map((p) => (p.value.payload as { revision: number }).revision)).toEqual([0, 1]);
    expect(run.result).toMatchObject({ approved: true, revisions: 1, feedback: ["make it shorter"] });
    expect((run.result as { draft: string }).draft).toContain("(revised: make it shorter)");
    await expectCompleted(run);
  });
});

interface ScriptProcess {
  readonly child: ChildProcess;
  readonly client: Client;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

/** `tsx examples/server.ts` as its own process, offline, on a free port; resolves once it prints its URL. */
function startScript(db: string): Promise<ScriptProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", STEPCHART_DB: db };
  // No model settings reach the child: it must take the examples' offline path, and the internet never.
  for (const key of Object.keys(env)) if (/^OPENAI_|^STEPCHART_(EMBEDDING_)?MODEL$/.test(key)) delete env[key];
  const root = join(import.meta.dirname, "..", "..");
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "examples", "server.ts")], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let errors = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    errors += String(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", () => {
      const url = /stepchart examples on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(out)?.[1];
      if (url) resolve({ child, exited, client: createClient(createConfig({ baseUrl: url })), output: () => out });
    });
    void exited.then(({ code }) =>
      reject(new Error(`examples/server.ts exited (${code}) before listening: ${errors}`)),
    );
  });
}

/** SIGTERM, as a process manager stops it: the script closes by itself and exits 0. */
async function stop(script: ScriptProcess): Promise<void> {
  script.child.kill("SIGTERM");
  expect(await script.exited).toEqual({ code: 0, signal: null });
}

describe("examples/server.ts run as a script", () => {
  it("serves the examples on SQLite, hands a waiting run back to the store on SIGTERM (exit 0), and the next start completes it", async () => {
    const db = join(dir, "script", "runs.db"); // the script creates the folder
    const first = await startScript(db);
    let second: ScriptProcess | undefined;
    try {
      const client = first.client;
      expect((await getWorkflows({ client })).data).toEqual({ workflows: served });
      const extracted = await postWorkflowsByNameRun({
        client,
        path: { name: "extract" },
        body: { start_event: { text: "Please send 3 boxes of green tea to Ada Lovelace by Friday." } },
      });
      expect(extracted.data).toMatchObject({
        status: "completed",
        result: { type: "StopEvent", value: { result: { by: "offline pattern matcher", order: { quantity: 3 } } } },
      });

      // A run waiting for a person when the process is stopped.
      const started = await postWorkflowsByNameRunNowait({
        client,
        path: { name: "human-approval" },
        body: { start_event: { topic: "tea" }, handler_id: "launch-1" },
      });
      expect(started.data?.status).toBe("running");
      const abort = new AbortController();
      const { stream } = await getEventsByHandlerId({
        client,
        path: { handler_id: "launch-1" },
        query: { after_sequence: -1 },
        sseMaxRetryAttempts: 1,
        signal: abort.signal,
      });
      for await (const item of stream) if ((item as Envelope).type === "InputRequiredEvent") break;
      abort.abort();
      await stop(first);
      expect(first.output()).toContain("SIGTERM: closed; 1 run(s) saved for the next start");
      const store = new SqliteStore({ path: db });
      try {
        const record = await store.load("launch-1");
        expect(record?.snapshot.status).toBe("waiting");
        expect(record?.lease).toBeNull(); // let go: the next process need not wait for it to expire
      } finally {
        store.close();
      }

      second = await startScript(db);
      const event = { type: "HumanResponseEvent", value: { response: "yes" } };
      const sent = await postEventsByHandlerId({
        client: second.client,
        path: { handler_id: "launch-1" },
        body: { event },
      });
      expect(sent.data).toEqual({ status: "sent" });
      const run = await follow(second.client, "launch-1");
      expect(types(run).at(-1)).toBe("StopEvent");
      expect(run.status).toBe("completed");
      expect(run.result).toMatchObject({ approved: true, revisions: 0 });
      await stop(second);
      expect(second.output()).toContain("SIGTERM: closed; 0 run(s) saved for the next start");
    } finally {
      for (const script of [first, second]) if (script?.child.exitCode === null) script.child.kill("SIGKILL");
    }
  }, 30_000);
});
