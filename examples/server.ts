/**
 * Every example workflow over HTTP, with the API of the LlamaIndex Workflows server
 * (stepchart/server), so `@llamaindex/workflows-client`, curl or a web page can start runs, stream
 * their events and answer prompts.
 *
 *   rag, rag-class, parallel-search   the bundled documents' index is passed to each run as a resource
 *   state, streaming, extract         as they are
 *   human-approval                    waits for `POST /events/{id}` with a HumanResponseEvent
 *
 * Runs are kept in SQLite (`STEPCHART_DB`, default `.stepchart/runs.db`), so a run that waits for a
 * person outlives the process: Ctrl-C saves the runs still going and lets go of them, and the next
 * start continues the interrupted ones (the waiting ones continue when their answer is posted).
 * Offline unless a model is configured (`OPENAI_API_KEY` or `OPENAI_BASE_URL`, see util.ts).
 * (durable-approval.ts serves nothing of its own: its workflow is human-approval's.)
 *
 * Run: npx tsx examples/server.ts   (PORT=8000 by default, on 127.0.0.1)
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { WorkflowStore } from "../src/index.js";
import type { LLM } from "../src/openai/index.js";
import { SqliteStore } from "../src/persistence/sqlite-store.js";
import { createServer, detachRuns, resumeInterrupted, serve } from "../src/server/index.js";
import { extract } from "./extract.js";
import { approval } from "./human-approval.js";
import { parallelSearch } from "./parallel-search.js";
import { buildIndex, rag } from "./rag.js";
import { ragClass } from "./rag-class.js";
import { visitCounter } from "./state.js";
import { streaming } from "./streaming.js";
import { isMain, llmFromEnv } from "./util.js";

/** Every example workflow, by the name it is served under (its definition's name). */
export const exampleWorkflows = {
  rag,
  "rag-class": ragClass,
  "parallel-search": parallelSearch,
  state: visitCounter,
  streaming,
  extract,
  "human-approval": approval,
};

/**
 * The examples server's app (see stepchart/server's `createServer`); `serve(app)` listens. Every
 * run gets the bundled documents' index and, when one is configured, the model: resources are not
 * part of a stored run, so the server hands them to resumed runs too.
 */
export function createExamplesServer(options: { readonly store?: WorkflowStore; readonly llm?: LLM | undefined } = {}) {
  const { store, llm } = options;
  return createServer({
    workflows: exampleWorkflows,
    resources: { index: buildIndex(), ...(llm ? { llm } : {}) },
    ...(store ? { store } : {}),
  });
}

function portOf(text: string | undefined): number {
  const port = Number(text === undefined || text === "" ? 8000 : text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError(`PORT must be 0-65535, not "${text}"`);
  return port;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = env.STEPCHART_DB || ".stepchart/runs.db";
  mkdirSync(dirname(path), { recursive: true });
  const store = new SqliteStore({ path });
  const llm = llmFromEnv(env);
  const app = createExamplesServer({ store, llm });
  const server = await serve(app, { port: portOf(env.PORT), host: "127.0.0.1" });
  const { resumed, skipped } = await resumeInterrupted(app);
  const url = `http://${server.host}:${server.port}`;
  console.log(`stepchart examples on ${url}`);
  console.log(
    `  runs kept in ${path}; resumed ${resumed.length}, skipped ${skipped.length}; ` +
      (llm ? `model "${llm.model}"` : "offline (no model configured)"),
  );
  const start = JSON.stringify({ start_event: { query: "Who introduced statecharts?" } });
  console.log(`  try: curl -s ${url}/workflows/rag/run -H 'content-type: application/json' -d '${start}'`);
  console.log(`  or @llamaindex/workflows-client with createConfig({ baseUrl: "${url}" }); GET ${url}/openapi.json`);

  const shutdown = async (signal: string) => {
    // Stop taking requests first, so no run starts after the others are handed back.
    await server.close();
    const { detached } = await detachRuns(app);
    store.close();
    console.log(`${signal}: closed; ${detached.length} run(s) saved for the next start`);
  };
  let closing = false;
  // Once each: a second Ctrl-C while closing stops the process at once.
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    void shutdown(signal).catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
}

if (isMain(import.meta.url)) await main();
