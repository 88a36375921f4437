/**
 * Event streaming: steps publish progress with `ctx.writeEventToStream`, and the caller reads
 * `handler.streamEvents()` while the run goes on. Stream-only events are not routed to steps and
 * need no `emits` entry. The stream ends with exactly one terminal item (here the StopEvent).
 *
 *   StartEvent {topic} ──research──▶ Researched {notes} ──write──▶ StopEvent {text}
 *         (Progress events)                 (Progress events, and the model's TokenEvents)
 *
 * With a model configured (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for a local server), `write` asks
 * it for the report with `llm.stream`, and each token delta is a `TokenEvent` on the stream as it is
 * generated. Offline, `write` composes the report from the notes in one piece and says so: there
 * are no tokens to stream without a model.
 *
 * Run: npx tsx examples/streaming.ts [topic]
 */
import { z } from "zod";
import { type AnyEvent, defineEvent, type EventOf, startEvent, stopEvent, workflow } from "../src/index.js";
import { type LLM, TokenEvent } from "../src/openai/index.js";
import { exampleTimeout, isMain, llmFromEnv, type MainOptions, printLive, sleep } from "./util.js";

export const Topic = startEvent({ topic: z.string().min(1) });
export const Progress = defineEvent("Progress", { step: z.string(), message: z.string(), percent: z.number() });
export type Progress = EventOf<typeof Progress>;
/** The token deltas of `llm.stream` (re-exported so callers of this example can test for them). */
export const Token = TokenEvent;
export const Researched = defineEvent("Researched", { topic: z.string(), notes: z.array(z.string()) });
export const Report = stopEvent(z.object({ text: z.string(), tokens: z.number(), by: z.enum(["model", "offline"]) }));

export const SOURCES = ["workflows.txt", "statecharts.txt", "streaming.txt"];

export const streaming = workflow({ name: "streaming", start: Topic, stop: Report, timeout: exampleTimeout() })
  .step("research", { accepts: Topic, emits: [Researched] }, async (ctx, ev) => {
    const notes: string[] = [];
    for (const [i, source] of SOURCES.entries()) {
      await sleep(5, ctx.signal);
      notes.push(`${source} mentions ${ev.topic}`);
      ctx.writeEventToStream(
        Progress({
          step: "research",
          message: `read ${source}`,
          percent: Math.round(((i + 1) / SOURCES.length) * 100),
        }),
      );
    }
    return Researched({ topic: ev.topic, notes });
  })
  .step("write", { accepts: Researched, emits: [Report] }, async (ctx, ev) => {
    ctx.writeEventToStream(Progress({ step: "write", message: `writing from ${ev.notes.length} notes`, percent: 0 }));
    const llm = ctx.resources.llm as LLM | undefined;
    let report: { text: string; tokens: number; by: "model" | "offline" };
    if (llm) {
      const prompt = `Write one sentence about ${ev.topic} from these notes:\n${ev.notes.join("\n")}`;
      const { text, usage } = await llm.stream([{ role: "user", content: prompt }], { ctx });
      report = { text, tokens: usage?.completionTokens ?? 0, by: "model" };
    } else {
      const text = `${ev.topic}: ${ev.notes.length} notes (${ev.notes.join("; ")}).`;
      report = { text, tokens: 0, by: "offline" };
    }
    ctx.writeEventToStream(Progress({ step: "write", message: "done", percent: 100 }));
    return Report({ result: report });
  });

/** Formats one stream item for the console (tokens are written inline by the caller). */
export function describe(ev: AnyEvent): string | undefined {
  if (Progress.is(ev)) return `  [${String(ev.percent).padStart(3)}%] ${ev.step}: ${ev.message}`;
  return undefined;
}

export async function main(
  options: MainOptions & { topic?: string; write?: (text: string) => void } = {},
): Promise<{ types: string[]; text: string }> {
  const topic = options.topic ?? "Streaming";
  console.log(`Streaming a run about "${topic}":`);
  const llm = llmFromEnv();
  if (!llm)
    console.log("(offline: no model configured, so the report is composed from the notes and no tokens stream)");
  const handler = streaming.run({ topic }, { resources: llm ? { llm } : {} });
  const { types } = await printLive(handler, { ...options, tokenPrefix: "  tokens: ", describe });
  const { text, tokens, by } = await handler;
  console.log(
    `Result (${by}): "${text}" (${tokens} tokens; ${types.length} stream items, the last one ${types.at(-1)})`,
  );
  return { types, text };
}

if (isMain(import.meta.url)) {
  const topic = process.argv.slice(2).join(" ").trim();
  await main(topic ? { topic } : {});
}
