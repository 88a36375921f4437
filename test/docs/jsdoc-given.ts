/**
 * The app the `@example` blocks of src/ are written in: what an example uses without defining it
 * (`wf`, `approval`, `handler`, `ctx`, `store`, the events `Query` and `RetrieveEvent`, …). Each
 * example is type-checked with these in scope (jsdoc-examples.test.ts); nothing here runs.
 */
import type { BasicTracerProvider, ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { z } from "zod";
import {
  type AnyEvent,
  type Context,
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  step,
  stopEvent,
  Workflow,
  type WorkflowSnapshot,
  workflow,
} from "../../src/index.js";
import type { TraceEntry } from "../../src/inspect/index.js";
import { type ChatMessage, createLLM } from "../../src/openai/index.js";
import type { SqliteStore } from "../../src/persistence/sqlite-store.js";
import type { createServer, serve } from "../../src/server/index.js";
import { createWorkflowTestModel } from "../../src/testing/index.js";

// Events
export const Query = defineEvent("Query", { q: z.string() });
export const RetrieveEvent = defineEvent("RetrieveEvent", {
  query: z.string(),
  nodes: z.array(z.object({ text: z.string(), score: z.number() })),
});
export const Retrieved = defineEvent("Retrieved", { query: z.string(), passages: z.array(z.string()) });
export const Scored = defineEvent("Scored", { score: z.number() });
export const Progress = defineEvent("Progress", { n: z.number() });
export const Question = defineEvent("Question", { text: z.string() });
export const A = defineEvent("A", { n: z.number() });
export const B = defineEvent("B", { n: z.number() });
export const QueryStart = startEvent({ query: z.string(), topK: z.number().default(3) });
export const Answer = stopEvent(z.object({ text: z.string() }));

// State schemas
export const VisitState = z.object({ visits: z.number().default(0), note: z.string().optional() });
export const QaState = z.object({ asked: z.number().default(0) });

// Resources
/** A retriever (a vector store, a search API). */
export interface Index {
  search(query: string, k?: number): Promise<string[]>;
  retrieve(query: unknown): Promise<{ text: string; score: number }[]>;
}
export const index: Index = {
  search: async (_query, k = 3) => ["A statechart is a state machine with parallel states."].slice(0, k),
  retrieve: async () => [{ text: "A statechart is a state machine.", score: 1 }],
};
export const llm = createLLM({ model: "gpt-4o-mini" });

// Workflows
/** A workflow that asks a person: started with `{ topic }`, answered with a HumanResponseEvent. */
export const Topic = startEvent({ topic: z.string() });
export const approval = workflow({ name: "approval", start: Topic })
  .step("draft", { accepts: Topic, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
    InputRequiredEvent({ prefix: `publish the ${ev.topic} post?` }),
  )
  .step("review", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response === "yes" }),
  );
/** Any workflow: a loose start event, a prompt and its answer. */
export const wf = workflow({ name: "wf" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({ prefix: "?" }))
  .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );
/** The README's RAG workflow, with its `index` resource. */
export const RagQuery = startEvent({ query: z.string() });
export const rag = workflow({ name: "rag", start: RagQuery, resources: { index } }).step(
  "answer",
  { accepts: RagQuery, emits: [StopEvent] },
  async (ctx, ev) => StopEvent({ result: await ctx.resources.index.search(ev.query, 3) }),
);
export const qa = workflow({ name: "qa", start: QueryStart, stop: Answer, state: QaState, timeout: 30_000 });
export const agent = workflow({ name: "agent", start: startEvent({ goal: z.string() }) });
export const flaky = workflow({ name: "flaky", start: startEvent({ url: z.string() }) });
export class EchoFlow extends Workflow {
  @step({ accepts: StartEvent, emits: [StopEvent] })
  async echo(_ctx: Context, ev: StartEvent) {
    return StopEvent({ result: ev.text });
  }
}

// A run and what a step has
export const handler = approval.run({ topic: "tea" });
export declare const ctx: Context;
export declare const ev: AnyEvent;
export declare const last: AnyEvent;
export declare const snapshot: WorkflowSnapshot;
export declare const input: { topic: string };
export declare const resources: { readonly index: typeof index };
export declare const store: SqliteStore;
export declare const owner: string;
export declare const err: unknown;
export declare const error: unknown;
export declare const q: string;
export declare const text: string;
export declare const prompt: string;
export declare const goal: string;
export declare const url: string;
export declare const saved: number;
export declare const handlerId: string;
export declare const plan: { readonly steps: readonly string[] };
export declare const messages: ChatMessage[];
export declare const traces: TraceEntry[][];
export const model = createWorkflowTestModel(approval, { fixtures: { StartEvent: { topic: "tea" } } });

// The server
export declare const app: ReturnType<typeof createServer>;
export declare const server: Awaited<ReturnType<typeof serve>>;
export declare const workflows: { readonly approval: typeof approval };
export declare const logger: { error(fields: object): void };

// OpenTelemetry (the SDK's in-memory exporter gives spans)
export declare const provider: BasicTracerProvider;
export declare const spans: ReadableSpan[];
export declare const runSpan: ReadableSpan;
export declare const llmSpan: ReadableSpan;

// The app's own functions
export declare function retryLater(): void;
export declare function alertOperator(step: string): void;
export declare function notifyReviewer(prompts: readonly AnyEvent[]): void;
export declare function report(error: Error): void;
export declare function show(event: AnyEvent): void;
export declare function resync(snapshot: WorkflowSnapshot, from: number): void;
export declare function record(workflow: string, step: string, ms: number): void;
export declare function summarise(value: unknown): unknown;
export declare function upgrade(old: unknown): WorkflowSnapshot;
