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
import type { ResumeOptions, RunOptions, WorkflowDefinition, WorkflowHandler, WorkflowStore } from "../src/index.js";
import type { LLM } from "../src/openai/index.js";
import { SqliteStore } from "../src/persistence/sqlite-store.js";
import { createServer, resumeInterrupted, type ServedWorkflows, serve } from "../src/server/index.js";
import { extract } from "./extract.js";
import { approval } from "./human-approval.js";
import { parallelSearch } from "./parallel-search.js";
import { buildIndex, rag } from "./rag.js";
import { ragClass } from "./rag-class.js";
import { visitCounter } from "./state.js";
import { streaming } from "./streaming.js";
import { isMain, llmFromEnv } from "./util.js";

type Handler = WorkflowHandler<unknown, never>;

/** An example workflow as the server drives it, with the run options that carry resources. */
interface ExampleWorkflow {
  readonly definition: WorkflowDefinition;
  run(input: never, options: RunOptions): Handler;
  resume(runId: string, options: ResumeOptions): Handler;
  sendEvent(runId: string, event: never, options: { readonly store: WorkflowStore }): Promise<void>;
}

/**
 * The runs this process holds. A shutdown hands them back to the store (saved, lease let go), so
 * the next process continues them rather than waiting for their leases to expire.
 */
export class HeldRuns {
  readonly #handlers = new Set<Handler>();

  hold(handler: Handler): Handler {
    this.#handlers.add(handler);
    const drop = () => this.#handlers.delete(handler);
    void handler.then(drop, drop);
    return handler;
  }

  /**
   * Detaches every run still going here (only for runs kept in a store); resolves to how many
   * were saved. One that cannot be is left to its lease: the next start finds it interrupted.
   */
  async detachAll(): Promise<number> {
    const detached = await Promise.allSettled([...this.#handlers].map((handler) => handler.detach()));
    return detached.filter((d) => d.status === "fulfilled").length;
  }
}

/**
 * The server's side of a workflow: every run and resume gets the example's resources (resources are
 * not part of a stored run, so a resumed run needs them again), and is held in `held` if given.
 */
function served(wf: ExampleWorkflow, resources: Record<string, unknown>, held: HeldRuns | undefined) {
  const hold = (handler: Handler) => (held ? held.hold(handler) : handler);
  return {
    definition: wf.definition,
    run: (input: never, options: RunOptions) => hold(wf.run(input, { ...options, resources })),
    resume: (runId: string, options: ResumeOptions) => hold(wf.resume(runId, { ...options, resources })),
    sendEvent: (runId: string, event: never, options: { readonly store: WorkflowStore }) =>
      wf.sendEvent(runId, event, options),
  };
}

/** Options of {@link exampleWorkflows} and {@link createExamplesServer}. */
export interface ExampleOptions {
  /** A model for the examples that use one; without it they take their offline path. */
  readonly llm?: LLM | undefined;
  /** Where to keep track of the runs started or resumed here (for a clean shutdown). */
  readonly held?: HeldRuns;
}

/** Every example workflow, by the name it is served under (its definition's name). */
export function exampleWorkflows(options: ExampleOptions = {}): ServedWorkflows {
  const { llm, held } = options;
  const model = llm ? { llm } : {};
  const documents = { index: buildIndex(), ...model };
  return {
    rag: served(rag, documents, held),
    "rag-class": served(ragClass, documents, held),
    "parallel-search": served(parallelSearch, documents, held),
    state: served(visitCounter, {}, held),
    streaming: served(streaming, model, held),
    extract: served(extract, model, held),
    "human-approval": served(approval, model, held),
  };
}

/** The examples server's app (see stepchart/server's `createServer`); `serve(app)` listens. */
export function createExamplesServer(options: ExampleOptions & { readonly store?: WorkflowStore } = {}) {
  const { store, ...examples } = options;
  return createServer({ workflows: exampleWorkflows(examples), ...(store ? { store } : {}) });
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
  const held = new HeldRuns();
  const llm = llmFromEnv(env);
  const app = createExamplesServer({ store, llm, held });
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
    const saved = await held.detachAll();
    store.close();
    console.log(`${signal}: closed; ${saved} run(s) saved for the next start`);
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
