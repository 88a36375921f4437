/**
 * Structured output: extract typed fields from free text.
 *
 *   StartEvent {text} ──extract──▶ StopEvent {order, by}
 *
 * With a model configured (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for a local server), the step asks
 * for an answer in the shape of the `Order` zod schema (JSON-schema response format) and validates
 * it; a malformed answer is a retryable error, so the step's retry policy asks again. Offline, a
 * small pattern matcher fills the same schema, and the result says it was not a model.
 *
 * Run: npx tsx examples/extract.ts ["Please send 3 boxes of green tea to Ada Lovelace by Friday."]
 */
import { z } from "zod";
import { startEvent, stopEvent, workflow } from "../src/index.js";
import type { LLM } from "../src/openai/index.js";
import { exampleTimeout, isMain, llmFromEnv, type MainOptions, printSteps } from "./util.js";

/** What we want out of the text. */
export const Order = z.object({
  customer: z.string().describe("who the order is for"),
  item: z.string().describe("what is ordered"),
  quantity: z.number().describe("how many"),
  due: z.string().describe("when it is due, as written in the text, or an empty string"),
});
export type Order = z.infer<typeof Order>;

export const Text = startEvent({ text: z.string().min(1) });
export const Extracted = stopEvent(z.object({ order: Order, by: z.enum(["model", "offline pattern matcher"]) }));

/** The offline path: a pattern matcher, honest about what it is. */
export function matchOrder(text: string): Order {
  const quantity = Number(/\b(\d+)\b/.exec(text)?.[1] ?? 1);
  const item = /\b\d+\s+(?:boxes of\s+|bags of\s+|x\s+)?([a-z][a-z ]*?)\s+(?:to|for)\b/i.exec(text)?.[1] ?? "";
  const customer = /\b(?:to|for)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)/.exec(text)?.[1] ?? "";
  const due = /\bby\s+([A-Z]?[a-z]+day|tomorrow|\d{4}-\d{2}-\d{2})/i.exec(text)?.[1] ?? "";
  return { customer, item: item.trim(), quantity, due };
}

export const extract = workflow({ name: "extract", start: Text, stop: Extracted, timeout: exampleTimeout() }).step(
  "extract",
  { accepts: Text, emits: [Extracted], retry: { attempts: 3, delay: 200 } },
  async (ctx, ev) => {
    const llm = ctx.resources.llm as LLM | undefined;
    if (!llm) return Extracted({ result: { order: matchOrder(ev.text), by: "offline pattern matcher" } });
    const { data } = await llm.structured(
      Order,
      [
        { role: "system", content: "Extract the order from the customer's message." },
        { role: "user", content: ev.text },
      ],
      { ctx, schemaName: "order" },
    );
    return Extracted({ result: { order: data, by: "model" } });
  },
);

export const DEFAULT_TEXT = "Please send 3 boxes of green tea to Ada Lovelace by Friday.";

export async function main(options: MainOptions & { text?: string } = {}) {
  const text = options.text ?? DEFAULT_TEXT;
  const llm = llmFromEnv();
  console.log(`Text: ${text}`);
  const handler = extract.run({ text }, { resources: llm ? { llm } : {} });
  const traced = options.trace ? printSteps(handler) : undefined;
  const result = await handler;
  await traced;
  console.log(`Order (${result.by}): ${JSON.stringify(result.order)}`);
  return result;
}

if (isMain(import.meta.url)) {
  const text = process.argv.slice(2).join(" ").trim();
  await main(text ? { text } : {});
}
