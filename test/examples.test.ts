import { readdirSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import * as humanApproval from "../examples/human-approval.js";
import { approval, runApproval } from "../examples/human-approval.js";
import { parallelSearch } from "../examples/parallel-search.js";
import {
  buildIndex,
  extractiveAnswer,
  KeywordIndex,
  loadPassages,
  rag,
  main as ragMain,
  tokenize,
} from "../examples/rag.js";
import { RAGWorkflow, ragClass } from "../examples/rag-class.js";
import * as showcase from "../examples/showcase.js";
import { main as stateMain, visitCounter } from "../examples/state.js";
import * as streaming from "../examples/streaming.js";
import { DEFAULT_TIMEOUT_MS, exampleTimeout, isMain } from "../examples/util.js";
import {
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  type StepFinishedEvent,
  type StepStartedEvent,
  WorkflowStepError,
} from "../src/index.js";
import { collectStream } from "./helpers.js";

/** Mocks console.log (test/setup.ts makes un-mocked console calls throw) and returns the printed lines. */
function captureLog(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

const index = buildIndex();

describe("examples/rag.ts", () => {
  it("loads every paragraph of the bundled data files", () => {
    const passages = loadPassages();
    expect(passages).toHaveLength(10);
    expect(index.size).toBe(10);
    expect(passages.map((p) => p.source)).toContain("statecharts.txt#1");
  });

  it("ranks passages with BM25: rare matching terms win, non-matching passages are left out", () => {
    const tiny = new KeywordIndex([
      { source: "a", text: "cats and dogs" },
      { source: "b", text: "cats cats cats" },
      { source: "c", text: "birds sing" },
    ]);
    expect(tiny.retrieve("cats", 5).map((n) => n.source)).toEqual(["b", "a"]);
    expect(tiny.retrieve("dogs", 5).map((n) => n.source)).toEqual(["a"]);
    expect(tiny.retrieve("fish", 5)).toEqual([]);
    expect(tokenize("What is THE BM25?")).toEqual(["bm25"]);
  });

  it("answers from the top passages, with their sources", async () => {
    const result = await rag.run({ query: "Who introduced statecharts?" }, { resources: { index } });
    expect(result.answer).toContain("David Harel introduced statecharts in 1987");
    expect(result.sources[0]).toBe("statecharts.txt#1");
  });

  it("respects topK and says so when nothing matches", async () => {
    const one = await rag.run({ query: "events steps workflow", topK: 1 }, { resources: { index } });
    expect(one.sources).toHaveLength(1);
    const none = await rag.run({ query: "zebra xylophone" }, { resources: { index } });
    expect(none).toEqual({ answer: "I could not find anything about that in the bundled documents.", sources: [] });
  });

  it("fails the retrieve step clearly when the index resource is missing", async () => {
    const error = await rag.run({ query: "anything" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkflowStepError);
    expect((error as WorkflowStepError).step).toBe("retrieve");
    expect(String((error as Error).message)).toMatch(/resources: \{ index \}/);
  });

  it("validates the typed start event", () => {
    expect(() => rag.run({ query: "" }, { resources: { index } })).toThrow(EventValidationError);
  });

  it("keeps extractive answers to the sentences sharing most query terms", () => {
    const nodes = [{ source: "x", text: "Alpha beta. Gamma delta epsilon. Beta gamma.", score: 1 }];
    expect(extractiveAnswer("gamma epsilon", nodes, 1)).toBe("Gamma delta epsilon.");
  });

  it("main() prints the offline notice and an answer per question", async () => {
    const lines = captureLog();
    await ragMain({ questions: ["What is BM25?"] });
    expect(lines.join("\n")).toMatch(/offline extractive stand-in: no LLM/);
    expect(lines.some((l) => l.startsWith("A: BM25 is a classic keyword ranking function"))).toBe(true);
  });
});

describe("examples/rag-class.ts", () => {
  it("defines the same steps with @step decorators and answers like the builder form", async () => {
    expect(ragClass).toBeInstanceOf(RAGWorkflow);
    expect(ragClass.definition.steps.map((s) => s.name)).toEqual(["retrieve", "synthesise"]);
    const answer = await ragClass.run({ query: "What is a statechart?" }, { resources: { index } });
    expect(answer).toContain("finite state machine");
  });
});

describe("examples/state.ts", () => {
  const visitors = ["ada", "grace", "alan", "barbara", "edsger", "margaret", "tim"];

  it("counts every visit across concurrent workers with ctx.update", async () => {
    const tally = await visitCounter.run({ visitors });
    expect(tally.visits).toBe(visitors.length);
    expect(tally.expected).toBe(visitors.length);
    expect([...tally.log].sort()).toEqual([...visitors].sort());
    expect(tally.steps).toBe(2 * visitors.length + 1); // 1 greet, a visit and a tally per visitor
  });

  it("counts in state exactly the step invocations its trace shows (tally runs on each Visited)", async () => {
    const handler = visitCounter.run({ visitors });
    const all = await collectStream(handler, { all: true });
    const tally = await handler;
    const started = all.filter((e): e is StepStartedEvent => e.type === "StepStartedEvent");
    expect(tally.steps).toBe(started.length);
    expect(started.filter((e) => e.step === "tally")).toHaveLength(visitors.length);
  });

  it("main() prints the invocation counts its own trace shows", async () => {
    const lines = captureLog();
    await stateMain({ trace: true, visitors: ["ada", "grace", "alan"] });
    const startedLines = (step: string) => lines.filter((l) => l.startsWith(`  → ${step} started`)).length;
    const summary = lines.at(-1) ?? "";
    expect(summary).toContain(`step invocations counted in state: ${lines.filter((l) => l.includes("→")).length}`);
    expect(summary).toContain(`(1 greet + ${startedLines("visit")} visit + ${startedLines("tally")} tally`);
  });

  it("runs the visit step four at a time, as counted in shared state", async () => {
    const tally = await visitCounter.run({ visitors });
    expect(tally.peakConcurrency).toBe(4);
    const all = await collectStream(visitCounter.run({ visitors }), { all: true });
    const started = all.filter((e) => e.type === "StepStartedEvent" && e.step === "visit");
    expect(started).toHaveLength(visitors.length);
  });

  it("keeps runs' state separate", async () => {
    const [a, b] = await Promise.all([visitCounter.run({ visitors: ["x"] }), visitCounter.run({ visitors })]);
    expect(a.visits).toBe(1);
    expect(b.visits).toBe(visitors.length);
  });
});

describe("examples/parallel-search.ts", () => {
  it("merges the results of both sources", async () => {
    const merged = await parallelSearch.run(
      { query: "How do steps run in parallel with events?" },
      { resources: { index } },
    );
    expect(merged.sources).toContain("faq");
    expect(merged.sources.some((s) => s.endsWith(".txt#1") || s.endsWith(".txt#2"))).toBe(true);
    expect(merged.hits[0]?.text).toContain("How do steps run in parallel?");
  });

  it("runs both searches at once, and merges only when both results are in", async () => {
    const handler = parallelSearch.run({ query: "statecharts streaming" }, { resources: { index } });
    const all = await collectStream(handler, { all: true });
    const lifecycle = all
      .filter((e) => e.type === "StepStartedEvent" || e.type === "StepFinishedEvent")
      .map((e) => `${e.type === "StepStartedEvent" ? "start" : "end"} ${(e as StepFinishedEvent).step}`);
    const firstSearchEnd = lifecycle.findIndex((l) => l === "end searchDocs" || l === "end searchFaq");
    expect(lifecycle.indexOf("start searchDocs")).toBeLessThan(firstSearchEnd);
    expect(lifecycle.indexOf("start searchFaq")).toBeLessThan(firstSearchEnd);
    const merges = all.filter((e): e is StepFinishedEvent => e.type === "StepFinishedEvent" && e.step === "merge");
    expect(merges.map((m) => m.output)).toEqual([null, "StopEvent"]);
    expect(all.at(-1)?.type).toBe("StopEvent");
  });
});

describe("examples/human-approval.ts", () => {
  it("approves the first draft", async () => {
    const { result, prompts } = await runApproval("v1.0", ["yes"]);
    expect(result).toMatchObject({ approved: true, revisions: 0, feedback: [] });
    expect(result.draft).toBe(humanApproval.writeDraft("v1.0", []));
    expect(prompts).toEqual([{ draft: result.draft, revision: 0 }]);
  });

  it("revises once on feedback, then approves", async () => {
    const { result, prompts } = await runApproval("v1.0", ["make it shorter", "lgtm"]);
    expect(result).toMatchObject({ approved: true, revisions: 1, feedback: ["make it shorter"] });
    expect(result.draft).toContain("(revised: make it shorter)");
    expect(prompts.map((p) => p.revision)).toEqual([0, 1]);
  });

  it("stops unapproved when the revision is refused too", async () => {
    const { result, prompts } = await runApproval("v1.0", ["no", "still no"]);
    expect(result).toMatchObject({ approved: false, revisions: 1, feedback: ["no"] });
    expect(prompts).toHaveLength(2);
  });

  it("keeps the prompt in handler.pendingInput until the answer arrives", async () => {
    const handler = approval.run({ topic: "pending" });
    for await (const ev of handler.streamEvents()) {
      if (!InputRequiredEvent.is(ev)) continue;
      expect(handler.pendingInput).toHaveLength(1);
      expect(handler.pendingInput[0]?.prefix).toBe(humanApproval.PROMPT);
      handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    await expect(handler).resolves.toMatchObject({ approved: true });
    expect(handler.pendingInput).toEqual([]);
  });

  it("main() auto-approves with --yes", async () => {
    const lines = captureLog();
    await humanApproval.main({ args: ["--yes", "the", "launch"] });
    expect(lines.slice(0, 2)).toEqual([
      "(offline: drafts come from a fixed template, not a model)",
      "(auto-approving: --yes)",
    ]);
    expect(lines.at(-1)).toMatch(/^Approved after 0 revision\(s\): Announcing the launch/);
  });

  it("main() answers by itself when stdin is not a terminal", async () => {
    const lines = captureLog();
    const isTTY = Object.getOwnPropertyDescriptor(process.stdin, "isTTY");
    Object.defineProperty(process.stdin, "isTTY", { value: false, configurable: true });
    try {
      await humanApproval.main({ args: [] });
    } finally {
      if (isTTY) Object.defineProperty(process.stdin, "isTTY", isTTY);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
    expect(lines[1]).toBe("(auto-answering: stdin is not a terminal)");
    expect(lines.at(-1)).toMatch(/^Approved after 1 revision\(s\)/);
  });
});

describe("examples/streaming.ts", () => {
  it("offline: streams progress, composes the report from the notes, streams no tokens, says so", async () => {
    const handler = streaming.streaming.run({ topic: "Tokens" });
    const items = await collectStream(handler);
    expect(items.map((e) => e.type)).toEqual(["Progress", "Progress", "Progress", "Progress", "Progress", "StopEvent"]);
    expect(items.filter(streaming.Progress.is).map((p) => p.percent)).toEqual([33, 67, 100, 0, 100]);
    await expect(handler).resolves.toMatchObject({ tokens: 0, by: "offline" });
  });

  it("with a model: the report's tokens stream as TokenEvents while it is generated", async () => {
    const { startFakeOpenAI } = await import("./openai/server.js");
    const { createLLM } = await import("../src/openai/index.js");
    const server = await startFakeOpenAI();
    try {
      const llm = createLLM({ model: "m", baseURL: server.baseURL, apiKey: "k" });
      const handler = streaming.streaming.run({ topic: "Tokens" }, { resources: { llm } });
      const items = await collectStream(handler);
      const deltas = items.filter(streaming.Token.is).map((t) => t.delta);
      const { text, by } = await handler;
      expect(by).toBe("model");
      expect(deltas.join("")).toBe(text);
      expect(text).toContain("Write one sentence about Tokens");
      // Between the write step's 0 % and 100 % progress items: streamed while the step ran.
      const types = items.map((e) => e.type);
      expect(types.indexOf("TokenEvent")).toBe(4);
      expect(types.lastIndexOf("TokenEvent")).toBe(types.lastIndexOf("Progress") - 1);
    } finally {
      await server.close();
    }
  });

  it("main() prints progress lines and the result, and says it ran offline", async () => {
    const lines = captureLog();
    const written: string[] = [];
    const { types } = await streaming.main({ write: (t) => written.push(t) });
    expect(types.at(-1)).toBe("StopEvent");
    expect(written).toEqual([]);
    expect(lines).toContain("  [ 33%] research: read workflows.txt");
    expect(lines.join("\n")).toContain("(offline: no model configured");
    expect(lines.at(-1)).toMatch(/^Result \(offline\): "Streaming: 3 notes/);
  });
});

/** The example files the showcase does not narrate, and why. Every other file in examples/ it must. */
const notNarrated: Record<string, string> = {
  "showcase.ts": "the narrator itself",
  "util.ts": "helpers, not an example",
  "server.ts": "serves the narrated workflows over HTTP until it is stopped",
  "telemetry.ts": "prints OpenTelemetry spans through the SDK (owned with stepchart/telemetry)",
};
const exampleFiles = readdirSync(new URL("../examples/", import.meta.url)).filter((f) => f.endsWith(".ts"));

describe("examples/showcase.ts", () => {
  it("runs every example offline, tracing each step, and finishes by itself", async () => {
    const lines = captureLog();
    await showcase.main({ args: ["--yes"], write: () => {} });
    const text = lines.join("\n");
    expect(lines[0]).toContain("(offline, no LLM)");
    const narrated = exampleFiles.filter((file) => !(file in notNarrated));
    expect(narrated).toEqual(expect.arrayContaining(["extract.ts", "durable-approval.ts"]));
    const silent = narrated.filter((name) => !text.includes(`── ${name}:`));
    expect(silent, "each needs a section in showcase.ts, or a reason in notNarrated").toEqual([]);
    expect(lines).toContain("  → retrieve started on StartEvent");
    expect(lines).toContain("  ← synthesise returned StopEvent");
    expect(lines).toContain("  ← merge returned nothing");
    expect(text).toContain('Order (offline pattern matcher): {"customer":"Ada Lovelace"');
    expect(text).toMatch(/\[pid \d+\] resume: approved=true/);
    expect(text).toContain("  → review started on HumanResponseEvent"); // the resumed process's trace
    expect(lines.at(-1)).toMatch(/Done\. Run any example alone/);
    expect(text.split("\n").length).toBeLessThan(120);
  }, 60_000);

  it("does not run on import (the isMain guard)", () => {
    expect(isMain(import.meta.url)).toBe(false);
    expect(showcase.sections()).toHaveLength(8);
  });
});

describe("the README's table of seed examples", () => {
  it("lists every example file", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const listed = new Set([...readme.matchAll(/^\| `([\w-]+\.ts)` \|/gm)].map((m) => m[1]));
    const missing = exampleFiles.filter((f) => f !== "util.ts" && !listed.has(f));
    expect(missing, "each needs a row in the README's table of seed examples").toEqual([]);
  });
});

describe("the examples' run timeout", () => {
  it("is generous by default, so a local model's slow first answer does not end the run", () => {
    expect(exampleTimeout({})).toBe(DEFAULT_TIMEOUT_MS);
    expect(DEFAULT_TIMEOUT_MS).toBeGreaterThanOrEqual(300_000);
    expect(rag.definition.timeout.run).toBe(DEFAULT_TIMEOUT_MS);
    expect(ragClass.definition.timeout.run).toBe(DEFAULT_TIMEOUT_MS);
  });

  it("is set in seconds by STEPCHART_TIMEOUT (0: none), and refuses what is not a number", () => {
    expect(exampleTimeout({ STEPCHART_TIMEOUT: "900" })).toBe(900_000);
    expect(exampleTimeout({ STEPCHART_TIMEOUT: "1.5" })).toBe(1_500);
    expect(exampleTimeout({ STEPCHART_TIMEOUT: "0" })).toBeNull();
    expect(() => exampleTimeout({ STEPCHART_TIMEOUT: "10s" })).toThrow(/STEPCHART_TIMEOUT is a number of seconds/);
  });

  it("is what npm start's workflow runs with when STEPCHART_TIMEOUT is set", async () => {
    const { spawnSync } = await import("node:child_process");
    const script = 'import { rag } from "./examples/rag.ts"; console.log(rag.definition.timeout.run);';
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: { ...process.env, STEPCHART_TIMEOUT: "42" },
    });
    expect(child.stderr).toBe("");
    expect(child.stdout.trim()).toBe("42000");
  });
});

describe("examples/durable-approval.ts", () => {
  it("starts, detaches, answers and resumes the run across separate store connections", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const durable = await import("../examples/durable-approval.js");
    const dir = mkdtempSync(join(tmpdir(), "stepchart-example-"));
    try {
      const db = join(dir, "runs.db");
      expect(await durable.start(db)).toContain("Approve this draft?");
      await durable.answer(db, "yes");
      await expect(durable.resume(db)).resolves.toMatchObject({ approved: true, revisions: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs all three phases as three processes", async () => {
    const { spawnSync } = await import("node:child_process");
    const child = spawnSync(process.execPath, ["--import", "tsx", "examples/durable-approval.ts"], {
      encoding: "utf8",
    });
    expect(child.status).toBe(0);
    const pids = [...child.stdout.matchAll(/\[pid (\d+)\]/g)].map((m) => m[1]);
    expect(new Set(pids).size).toBe(3);
    expect(child.stdout).toContain("resume: approved=true after 0 revision(s)");
  }, 30_000);
});

describe("examples/rag.ts with a model (a local OpenAI-compatible server)", () => {
  it("answers through the model, streaming its tokens, when an llm resource is given", async () => {
    const { startFakeOpenAI } = await import("./openai/server.js");
    const { createLLM, TokenEvent } = await import("../src/openai/index.js");
    const server = await startFakeOpenAI();
    try {
      const llm = createLLM({ model: "m", baseURL: server.baseURL, apiKey: "k" });
      const handler = rag.run({ query: "Who introduced statecharts?" }, { resources: { index, llm } });
      const items = await collectStream(handler);
      const { answer, sources } = await handler;
      expect(answer).toContain("Question: Who introduced statecharts?");
      expect(answer).toContain(`(${sources[0]})`); // the passages went into the prompt
      expect(items.filter((e) => TokenEvent.is(e)).length).toBeGreaterThan(3);
      // Retrieval went through embeddings: one call with every passage and the query.
      const embed = server.requests.find((r) => r.path === "/embeddings");
      expect(embed?.body.input).toHaveLength(index.size + 1);
    } finally {
      await server.close();
    }
  });

  it("main() uses the model configured by OPENAI_BASE_URL and says so", async () => {
    const { startFakeOpenAI } = await import("./openai/server.js");
    const server = await startFakeOpenAI();
    vi.stubEnv("OPENAI_BASE_URL", server.baseURL);
    vi.stubEnv("OPENAI_API_KEY", "k");
    try {
      const lines = captureLog();
      // One list for both outputs, in the order they were made: printed lines and written tokens.
      await ragMain({ questions: ["What is BM25?"], trace: true, write: (text) => lines.push(`write:${text}`) });
      expect(lines.join("\n")).toContain('(answers by the model "gpt-4o-mini"');
      const writes = lines.filter((l) => l.startsWith("write:")).map((l) => l.slice("write:".length));
      expect(writes.join("")).toMatch(/^A: echo: Passages:[\s\S]*Question: What is BM25\?\n$/);
      expect(writes.length).toBeGreaterThan(3); // token by token, not the answer in one piece
      // Each token is printed while the step that streams it runs, not held back until the end.
      const first = lines.findIndex((l) => l.startsWith("write:"));
      const last = lines.findLastIndex((l) => l.startsWith("write:"));
      expect(lines.indexOf("  → synthesise started on RetrieveEvent")).toBeLessThan(first);
      expect(lines.indexOf("  ← synthesise returned StopEvent")).toBeGreaterThan(last);
      expect(lines.filter((l) => l.startsWith("A: "))).toEqual([]); // and not printed a second time
    } finally {
      vi.unstubAllEnvs();
      await server.close();
    }
  });
});

describe("examples/extract.ts (structured output)", () => {
  it("fills the Order schema offline with the pattern matcher, and says so", async () => {
    const { main: extractMain } = await import("../examples/extract.js");
    const lines = captureLog();
    const result = await extractMain();
    expect(result).toEqual({
      order: { customer: "Ada Lovelace", item: "green tea", quantity: 3, due: "Friday" },
      by: "offline pattern matcher",
    });
    expect(lines.at(-1)).toContain("Order (offline pattern matcher)");
  });

  it("asks the model for a JSON-schema answer, and asks again after a malformed one", async () => {
    const { extract } = await import("../examples/extract.js");
    const { startFakeOpenAI } = await import("./openai/server.js");
    const { createLLM } = await import("../src/openai/index.js");
    const server = await startFakeOpenAI();
    try {
      server.script({ content: '{"customer": 42}' }); // the first answer does not fit the schema
      const llm = createLLM({ model: "m", baseURL: server.baseURL, apiKey: "k" });
      const text = "Two crates of oolong for Grace Hopper";
      const result = await extract.run({ text }, { resources: { llm } });
      expect(result.by).toBe("model");
      expect(result.order).toEqual({
        customer: `customer: ${text}`,
        item: `item: ${text}`,
        quantity: text.length,
        due: `due: ${text}`,
      });
      expect(server.requests.filter((r) => r.path === "/chat/completions")).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe("examples/human-approval.ts with a model", () => {
  it("drafts and revises through the model, one journaled call per draft", async () => {
    const { startFakeOpenAI } = await import("./openai/server.js");
    const { createLLM } = await import("../src/openai/index.js");
    const server = await startFakeOpenAI();
    try {
      const llm = createLLM({ model: "m", baseURL: server.baseURL, apiKey: "k" });
      const { result, prompts } = await runApproval("tea", ["shorter", "yes"], { llm });
      expect(prompts.map((p) => p.draft)).toEqual([
        "echo: Write a one-sentence announcement of tea.",
        "echo: Write a one-sentence announcement of tea. Apply this feedback: shorter.",
      ]);
      expect(result).toMatchObject({ approved: true, revisions: 1 });
      expect(server.requests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe("examples/parallel-search.ts with a model", () => {
  it("summarises the collected findings of both sources through the model", async () => {
    const { startFakeOpenAI } = await import("./openai/server.js");
    const { createLLM } = await import("../src/openai/index.js");
    const server = await startFakeOpenAI();
    try {
      const llm = createLLM({ model: "m", baseURL: server.baseURL, apiKey: "k" });
      const merged = await parallelSearch.run({ query: "parallel steps" }, { resources: { index, llm } });
      expect(merged.summary).toContain('echo: Answer "parallel steps" from these findings only:');
      for (const source of merged.sources) expect(merged.summary).toContain(`(${source})`);
    } finally {
      await server.close();
    }
  });

  it("has no summary offline (there is no model to write one)", async () => {
    const merged = await parallelSearch.run({ query: "parallel steps" }, { resources: { index } });
    expect(merged.summary).toBeNull();
  });
});
