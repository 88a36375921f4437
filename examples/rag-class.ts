/**
 * The RAG example in the seed's class style (ported from Python `class RAGWorkflow(Workflow)`):
 * a `Workflow` subclass whose `@step` methods are TC39 decorators (no `experimentalDecorators`).
 * It produces the same definition as the builder form in rag.ts.
 *
 * Run: npx tsx examples/rag-class.ts ["your question"]
 */
import { type Context, StartEvent, StopEvent, step, Workflow } from "../src/index.js";
import { buildIndex, extractiveAnswer, indexOf, RetrieveEvent } from "./rag.js";

/** What the CLI gives this file's runs: the same as rag.ts (the index, and a model when configured). */
export { resources } from "./rag.js";

import { exampleTimeout, isMain, type MainOptions, printSteps } from "./util.js";

export class RAGWorkflow extends Workflow {
  @step({ accepts: StartEvent, emits: [RetrieveEvent] })
  async retrieve(ctx: Context, ev: StartEvent) {
    const query = String(ev.query ?? "");
    const nodes = indexOf(ctx.resources).retrieve(query, 2);
    return RetrieveEvent({ query, nodes });
  }

  @step({ accepts: RetrieveEvent, emits: [StopEvent] })
  async synthesise(_ctx: Context, ev: RetrieveEvent) {
    return StopEvent({ result: extractiveAnswer(ev.query, ev.nodes) });
  }
}

export const ragClass = new RAGWorkflow({ name: "rag-class", timeout: exampleTimeout() });

export async function main(options: MainOptions & { question?: string } = {}) {
  const query = options.question ?? "What is a statechart?";
  console.log(`Q: ${query}  (class + @step form, offline extractive answer)`);
  const handler = ragClass.run({ query }, { resources: { index: buildIndex() } });
  const traced = options.trace ? printSteps(handler) : undefined;
  const answer = await handler;
  await traced;
  console.log(`A: ${answer}`);
}

if (isMain(import.meta.url)) {
  const question = process.argv.slice(2).join(" ").trim();
  await main(question ? { question } : {});
}
