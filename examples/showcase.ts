/**
 * `npm run showcase`: every seed example in turn, with a trace of each step as it starts and returns
 * (read from `handler.streamEvents({ all: true })`). Needs no network and no API key (with a model
 * configured, the examples that can use one do, and say so); when stdin is not a terminal the
 * human-approval example answers by itself, so this always finishes on its own. server.ts is not
 * narrated: it serves these same workflows over HTTP until stopped (`npm run serve`).
 *
 * Run: npm run showcase   (or: npx tsx examples/showcase.ts [--yes])
 */
import * as durableApproval from "./durable-approval.js";
import * as extract from "./extract.js";
import * as humanApproval from "./human-approval.js";
import * as parallelSearch from "./parallel-search.js";
import * as rag from "./rag.js";
import * as ragClass from "./rag-class.js";
import * as state from "./state.js";
import * as streaming from "./streaming.js";
import { isMain, llmFromEnv } from "./util.js";

export interface ShowcaseOptions {
  /** Arguments for the human-approval example (e.g. `["--yes"]`). @default the process arguments */
  readonly args?: readonly string[];
  /** Where token deltas go. @default process.stdout */
  readonly write?: (text: string) => void;
}

/** The examples in the order the showcase runs them. */
export function sections(options: ShowcaseOptions = {}): [title: string, run: () => Promise<unknown>][] {
  const trace = true;
  return [
    [
      "rag.ts: retrieve → synthesise, index passed as a resource",
      () => rag.main({ trace, questions: [rag.DEFAULT_QUESTIONS[0] ?? "What is BM25?"] }),
    ],
    ["rag-class.ts: the same workflow as a class with @step methods", () => ragClass.main({ trace })],
    [
      "state.ts: typed state with ctx.get / ctx.set / ctx.update",
      () => state.main({ trace, visitors: ["ada", "grace"] }),
    ],
    [
      "parallel-search.ts: fan-out with ctx.sendEvent, fan-in with ctx.collectEvents",
      () => parallelSearch.main({ trace }),
    ],
    [
      "human-approval.ts: InputRequiredEvent → HumanResponseEvent, one revision",
      () => humanApproval.main({ trace, args: options.args ?? process.argv.slice(2) }),
    ],
    [
      "streaming.ts: ctx.writeEventToStream → handler.streamEvents()",
      () => streaming.main(options.write ? { trace, write: options.write } : { trace }),
    ],
    ["extract.ts: structured output, typed fields from text into a zod schema", () => extract.main({ trace })],
    [
      "durable-approval.ts: start, detach, answer, resume: three processes, one run, on SQLite",
      async () => durableApproval.main({ trace }),
    ],
  ];
}

export async function main(options: ShowcaseOptions = {}) {
  const llm = llmFromEnv();
  const models = llm ? `the model "${llm.model}" where an example can use one` : "offline, no LLM";
  console.log(`stepchart showcase: LlamaIndex-style workflows compiled to XState v5 (${models})`);
  console.log("Trace legend: → step started on <event>   ← step returned <event>");
  for (const [title, run] of sections(options)) {
    console.log(`\n── ${title} ${"─".repeat(Math.max(0, 96 - title.length))}`);
    await run();
  }
  console.log("\nDone. Run any example alone with: npx tsx examples/<name>.ts");
}

if (isMain(import.meta.url)) await main();
