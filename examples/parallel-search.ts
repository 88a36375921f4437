/**
 * Parallel search with fan-out and fan-in:
 *
 *                      ┌─▶ searchDocs ──▶ DocsResult ─┐
 *   StartEvent {query} ┤                              ├─▶ merge (ctx.collectEvents) ──▶ StopEvent
 *                      └─▶ searchFaq  ──▶ FaqResult  ─┘
 *
 * The `dispatch` step fans out one Search event to each source with a targeted
 * `ctx.sendEvent(ev, { step })`; both searches run at the same time; `merge` runs once per result
 * and `ctx.collectEvents(ev, [DocsResult, FaqResult])` returns null until both are in, then both
 * events in that order.
 *
 * Note: the seed's LlamaIndex snippet fans out with `ctx.write_event_to_stream(...)`. In LlamaIndex
 * that only publishes to the *outside* stream (what `handler.stream_events()` yields) and never
 * reaches another step, so the collecting step would wait forever. Fan-out to steps is
 * `ctx.sendEvent` (Python `ctx.send_event`); `ctx.writeEventToStream` is for progress reporting.
 *
 * Run: npx tsx examples/parallel-search.ts ["query"]
 */
import { z } from "zod";
import { defineEvent, startEvent, stopEvent, workflow } from "../src/index.js";
import type { LLM } from "../src/openai/index.js";
import { buildIndex, indexOf, type KeywordIndex, tokenize } from "./rag.js";

/** What the CLI gives this file's runs: the same as rag.ts (the index, and a model when configured). */
export { resources } from "./rag.js";

import { exampleTimeout, isMain, llmFromEnv, type MainOptions, printSteps, sleep } from "./util.js";

/** A second, tiny source: question/answer pairs, matched by term overlap. */
export const FAQ: readonly { q: string; a: string }[] = [
  { q: "Can a workflow wait for a human?", a: "Yes: return an InputRequiredEvent and send a HumanResponseEvent." },
  { q: "How do steps run in parallel?", a: "Send several events with ctx.sendEvent; each step has numWorkers." },
  { q: "How do I stream progress?", a: "Call ctx.writeEventToStream and read handler.streamEvents()." },
  { q: "What does a workflow compile to?", a: "An XState v5 state machine you can inspect and persist." },
];

export const Query = startEvent({ query: z.string().min(1) });
export const Search = defineEvent("Search", { query: z.string() });
export const Hit = z.object({ source: z.string(), text: z.string() });
export const DocsResult = defineEvent("DocsResult", { hits: z.array(Hit), ms: z.number() });
export const FaqResult = defineEvent("FaqResult", { hits: z.array(Hit), ms: z.number() });
export const Merged = stopEvent(
  z.object({
    query: z.string(),
    hits: z.array(Hit),
    sources: z.array(z.string()),
    /** The model's answer from both sources' hits; `null` offline (no model, no summary). */
    summary: z.string().nullable(),
  }),
);

/** FAQ entries sharing at least one term with the query, best first. */
export function searchFaq(query: string, k = 2) {
  const terms = new Set(tokenize(query));
  return FAQ.map((entry) => ({ entry, overlap: tokenize(entry.q).filter((t) => terms.has(t)).length }))
    .filter((x) => x.overlap > 0)
    .sort((a, b) => b.overlap - a.overlap)
    .slice(0, k)
    .map(({ entry }) => ({ source: "faq", text: `${entry.q} ${entry.a}` }));
}

export const parallelSearch = workflow({
  name: "parallel-search",
  start: Query,
  stop: Merged,
  timeout: exampleTimeout(),
})
  .step("dispatch", { accepts: Query, emits: [Search] }, async (ctx, ev) => {
    ctx.set("query", ev.query);
    // Targeted fan-out: the same event type, delivered to one named step each.
    ctx.sendEvent(Search({ query: ev.query }), { step: "searchDocs" });
    ctx.sendEvent(Search({ query: ev.query }), { step: "searchFaq" });
  })
  .step("searchDocs", { accepts: Search, emits: [DocsResult] }, async (ctx, ev) => {
    const started = Date.now();
    await sleep(40, ctx.signal); // pretend this is a slow vector store
    const index: KeywordIndex = indexOf(ctx.resources);
    const hits = index.retrieve(ev.query, 2).map((n) => ({ source: n.source, text: n.text }));
    return DocsResult({ hits, ms: Date.now() - started });
  })
  .step("searchFaq", { accepts: Search, emits: [FaqResult] }, async (ctx, ev) => {
    const started = Date.now();
    await sleep(20, ctx.signal); // a faster source: its result arrives first
    return FaqResult({ hits: searchFaq(ev.query), ms: Date.now() - started });
  })
  .step("merge", { accepts: [DocsResult, FaqResult], emits: [Merged] }, async (ctx, ev) => {
    const both = ctx.collectEvents(ev, [DocsResult, FaqResult]);
    if (!both) return; // the first result waits in the buffer for the other one
    const [docs, faq] = both;
    const hits = [...faq.hits, ...docs.hits];
    const query = ctx.get<string>("query");
    const llm = ctx.resources.llm as LLM | undefined;
    const summary = llm
      ? (
          await llm.complete(
            `Answer "${query}" from these findings only:\n${hits.map((h) => `- (${h.source}) ${h.text}`).join("\n")}`,
            { ctx, name: "summary" },
          )
        ).text
      : null;
    return Merged({ result: { query, hits, sources: [...new Set(hits.map((h) => h.source))], summary } });
  });

export async function main(options: MainOptions & { query?: string } = {}) {
  const query = options.query ?? "How do steps run in parallel with events?";
  console.log(`Searching docs and FAQ at the same time for: ${query}`);
  const started = Date.now();
  const llm = llmFromEnv();
  const handler = parallelSearch.run(
    { query },
    { resources: llm ? { index: buildIndex(), llm } : { index: buildIndex() } },
  );
  const traced = options.trace ? printSteps(handler) : undefined;
  const merged = await handler;
  await traced;
  console.log(
    `${merged.hits.length} hits from ${merged.sources.join(", ")} in ${Date.now() - started} ms (40 + 20 ms sources, run in parallel):`,
  );
  for (const hit of merged.hits)
    console.log(`  [${hit.source}] ${hit.text.slice(0, 90)}${hit.text.length > 90 ? "…" : ""}`);
  console.log(
    merged.summary === null
      ? "(offline: no model configured, so no summary of the findings)"
      : `Summary: ${merged.summary}`,
  );
}

if (isMain(import.meta.url)) {
  const query = process.argv.slice(2).join(" ").trim();
  await main(query ? { query } : {});
}
