/**
 * RAG (retrieval-augmented generation), the seed's first example; what `npm start` runs.
 *
 *   StartEvent {query} ──retrieve──▶ RetrieveEvent {query, nodes} ──synthesise──▶ StopEvent {answer, sources}
 *
 * The documents are the paragraphs of examples/data/*.txt, indexed by a lexical search engine
 * (MiniSearch, BM25 ranking) passed to the run as a resource: `rag.run({ query }, { resources: { index } })`.
 * With a model configured (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for a local server; see
 * docs/llm.md), retrieval ranks by embedding similarity and the model writes the answer, streamed
 * token by token. Offline, the answer is extractive: the sentences of the top passages that best
 * match the question, and the output says so.
 *
 * Run: npx tsx examples/rag.ts ["your question"]   (or: npm start -- "your question")
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import MiniSearch from "minisearch";
import { z } from "zod";
import { defineEvent, type EventOf, startEvent, stopEvent, workflow } from "../src/index.js";
import type { ChatMessage, LLM } from "../src/openai/index.js";
import { exampleTimeout, isMain, llmFromEnv, type MainOptions, printLive } from "./util.js";

// ---------------------------------------------------------------------------------------------
// A tiny BM25 keyword index
// ---------------------------------------------------------------------------------------------

/** A retrieved passage. */
export const Node = z.object({ source: z.string(), text: z.string(), score: z.number() });
export type Node = z.infer<typeof Node>;

const STOPWORDS = new Set(
  "a an and are as at be by can do does for from how in is it its of on or so that the then this to was what when which who why with".split(
    " ",
  ),
);

/** Lower-cased word tokens without stopwords. */
export function tokenize(text: string): string[] {
  return (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((t) => !STOPWORDS.has(t));
}

/**
 * A lexical search engine over passages: MiniSearch, which ranks with BM25 (here exact terms only, no
 * fuzzy or prefix matching, with the same tokenizer and stopwords as the extractive answer).
 */
export class KeywordIndex {
  readonly #engine: MiniSearch<{ id: number; source: string; text: string }>;
  readonly #passages: { source: string; text: string }[];

  constructor(passages: readonly { source: string; text: string }[]) {
    this.#passages = passages.map(({ source, text }) => ({ source, text }));
    this.#engine = new MiniSearch({
      fields: ["text"],
      storeFields: ["source", "text"],
      tokenize: (text) => tokenize(text),
      processTerm: (term) => term,
    });
    this.#engine.addAll(this.#passages.map((p, id) => ({ id, ...p })));
  }

  get size(): number {
    return this.#passages.length;
  }

  /** Every passage, in corpus order. */
  passages(): { source: string; text: string }[] {
    return this.#passages.map((p) => ({ ...p }));
  }

  /** The `k` best-scoring passages for `query` (only those sharing at least one term), best first. */
  retrieve(query: string, k = 3): Node[] {
    return this.#engine
      .search(query, { combineWith: "OR" })
      .slice(0, k)
      .map((hit) => ({
        source: hit.source as string,
        text: hit.text as string,
        score: Math.round(hit.score * 1000) / 1000,
      }));
  }
}

/** The bundled corpus: every paragraph of examples/data/*.txt, named `file#n`. */
export function loadPassages(dir = fileURLToPath(new URL("./data/", import.meta.url))) {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".txt"))
    .sort()
    .flatMap((file) =>
      readFileSync(join(dir, file), "utf8")
        .split(/\n\s*\n/)
        .map((text) => text.trim().replace(/\s+/g, " "))
        .filter(Boolean)
        .map((text, i) => ({ source: `${file}#${i + 1}`, text })),
    );
}

/** Builds the index over the bundled corpus. */
export function buildIndex(): KeywordIndex {
  return new KeywordIndex(loadPassages());
}

// ---------------------------------------------------------------------------------------------
// The workflow
// ---------------------------------------------------------------------------------------------

export const Query = startEvent({ query: z.string().min(1), topK: z.number().int().positive().default(2) });
export const RetrieveEvent = defineEvent("RetrieveEvent", { query: z.string(), nodes: z.array(Node) });
export type RetrieveEvent = EventOf<typeof RetrieveEvent>;
export const Answer = stopEvent(z.object({ answer: z.string(), sources: z.array(z.string()) }));

/**
 * What `stepchart run|serve|dev examples/rag.ts` give the runs (the CLI reads a file's `resources`
 * export): the bundled documents' index, and the model when one is configured.
 */
export function resources(): { index: KeywordIndex; llm?: LLM } {
  const llm = llmFromEnv();
  return llm ? { index: buildIndex(), llm } : { index: buildIndex() };
}

/** The `index` resource, checked at run time (resources are not part of the definition). */
export function indexOf(resources: Record<string, unknown>): KeywordIndex {
  const index = resources.index;
  if (!(index instanceof KeywordIndex)) throw new TypeError("run the workflow with { resources: { index } }");
  return index;
}

/**
 * The deterministic stand-in for an LLM: from the passages (best first), keep the `max` sentences
 * sharing the most query terms, in passage order.
 */
export function extractiveAnswer(query: string, nodes: readonly Node[], max = 2): string {
  const terms = new Set(tokenize(query));
  const sentences = nodes.flatMap((node, rank) =>
    node.text.split(/(?<=[.!?])\s+/).map((sentence, pos) => ({
      sentence: sentence.trim(),
      order: rank * 100 + pos,
      overlap: new Set(tokenize(sentence).filter((t) => terms.has(t))).size,
    })),
  );
  const best = sentences
    .filter((s) => s.overlap > 0)
    .sort((a, b) => b.overlap - a.overlap || a.order - b.order)
    .slice(0, max)
    .sort((a, b) => a.order - b.order);
  if (best.length === 0) return "I could not find anything about that in the bundled documents.";
  return best.map((s) => s.sentence).join(" ");
}

export const rag = workflow({ name: "rag", start: Query, stop: Answer, timeout: exampleTimeout() })
  .step("retrieve", { accepts: Query, emits: [RetrieveEvent] }, async (ctx, ev) => {
    const index = indexOf(ctx.resources);
    const llm = llmOf(ctx.resources);
    // With a model: rank by embedding similarity (one journaled embeddings call); offline: BM25.
    const nodes = llm
      ? rankByEmbedding(
          index.passages(),
          await llm.embed([...index.passages().map((p) => p.text), ev.query], { ctx }),
          ev.topK,
        )
      : index.retrieve(ev.query, ev.topK);
    return RetrieveEvent({ query: ev.query, nodes });
  })
  .step("synthesise", { accepts: RetrieveEvent, emits: [Answer] }, async (ctx, ev) => {
    const sources = ev.nodes.map((n) => n.source);
    const llm = llmOf(ctx.resources);
    if (!llm) return Answer({ result: { answer: extractiveAnswer(ev.query, ev.nodes), sources } });
    // With a model: its answer, streamed token by token into the run's stream (TokenEvent).
    const { text } = await llm.stream(synthesisPrompt(ev.query, ev.nodes), { ctx });
    return Answer({ result: { answer: text, sources } });
  });

/** The `k` passages most similar to the query; `vectors` holds one per passage, then the query's. */
export function rankByEmbedding(
  passages: readonly { source: string; text: string }[],
  vectors: readonly number[][],
  k: number,
): Node[] {
  const query = vectors[passages.length] ?? [];
  const cosine = (a: readonly number[]) => {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      dot += (a[i] ?? 0) * (query[i] ?? 0);
      na += (a[i] ?? 0) ** 2;
      nb += (query[i] ?? 0) ** 2;
    }
    return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
  };
  return passages
    .map((p, i) => ({ ...p, score: Math.round(cosine(vectors[i] ?? []) * 1000) / 1000 }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}

/** The `llm` resource, when the run was given one (see `llmFromEnv`). */
export function llmOf(resources: Record<string, unknown>): LLM | undefined {
  const llm = resources.llm as LLM | undefined;
  return llm && typeof llm.stream === "function" ? llm : undefined;
}

/** The messages that ask a model to answer from the retrieved passages only. */
export function synthesisPrompt(query: string, nodes: readonly Node[]): ChatMessage[] {
  const context = nodes.map((n, i) => `[${i + 1}] (${n.source}) ${n.text}`).join("\n\n");
  return [
    { role: "system", content: "Answer the question from the passages only, in two sentences at most." },
    { role: "user", content: `Passages:\n${context}\n\nQuestion: ${query}` },
  ];
}

export const DEFAULT_QUESTIONS = ["What is BM25 and how does it score a passage?", "Who introduced statecharts?"];

export async function main(
  options: MainOptions & { questions?: readonly string[]; write?: (text: string) => void } = {},
) {
  const index = buildIndex();
  const llm = llmFromEnv();
  console.log(`Indexed ${index.size} passages from examples/data/*.txt`);
  if (llm) console.log(`(answers by the model "${llm.model}" at ${llm.client.baseURL}, streamed as they are written)`);
  else
    console.log(
      "(offline extractive stand-in: no LLM is called; the answer copies sentences from the top passages. " +
        "Set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server, to use a model)",
    );
  for (const query of options.questions ?? DEFAULT_QUESTIONS) {
    console.log(`Q: ${query}`);
    const handler = rag.run({ query }, { resources: llm ? { index, llm } : { index } });
    // The model's tokens are printed as they arrive, after "A: "; offline there are none to print.
    const { tokens } = await printLive(handler, { ...options, tokenPrefix: "A: " });
    const { answer, sources } = await handler;
    if (tokens === "") console.log(`A: ${answer}`);
    console.log(`   sources: ${sources.join(", ") || "none"}`);
  }
}

// `npm start [question]` runs this file: one question (or the defaults), its steps as they happen.
if (isMain(import.meta.url)) {
  const question = process.argv.slice(2).join(" ").trim();
  await main(question ? { questions: [question], trace: true } : { trace: true });
}
