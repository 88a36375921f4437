/**
 * The parallel-search example, traced with OpenTelemetry (`stepchart/telemetry`): one run, its
 * spans printed as a tree when it ends: a span per run and per step attempt, with the fan-out's
 * sent events and the collect that completes it. With a model configured (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for a local server),
 * `merge` calls it and the call's GenAI span (model, token usage) shows under the step.
 *
 * The spans stay in memory here. To see them in Jaeger instead, register the Node SDK with an OTLP
 * exporter (docs/telemetry.md, "A local collector") and pass `otelTracing()` with no tracer.
 *
 * Run: npx tsx examples/telemetry.ts ["query"]
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { otelTracing } from "../src/telemetry/index.js";
import { parallelSearch } from "./parallel-search.js";
import { resources } from "./rag.js";
import { isMain } from "./util.js";

/** The attributes worth a glance on each line (the rest are in the table of docs/telemetry.md). */
const shown = [
  "stepchart.run.status",
  "stepchart.step.attempt",
  "stepchart.step.accepted_event",
  "stepchart.step.emitted_events",
  "gen_ai.response.model",
  "gen_ai.usage.input_tokens",
  "gen_ai.usage.output_tokens",
];

/** The spans as an indented tree, children in the order they started. */
export function spanTree(spans: readonly ReadableSpan[]): string[] {
  const children = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent !== undefined && ids.has(parent) ? parent : undefined;
    children.set(key, [...(children.get(key) ?? []), span]);
  }
  const started = (s: ReadableSpan) => s.startTime[0] * 1e9 + s.startTime[1];
  const lines: string[] = [];
  const walk = (parent: string | undefined, indent: string) => {
    for (const span of (children.get(parent) ?? []).sort((a, b) => started(a) - started(b))) {
      const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
      const attributes = shown.flatMap((key) =>
        span.attributes[key] === undefined ? [] : [`${key.split(".").at(-1)}=${JSON.stringify(span.attributes[key])}`],
      );
      const events = span.events.map((e) => e.name.replace(/^stepchart\./, ""));
      const tail = [...attributes, ...(events.length > 0 ? [`events: ${events.join(", ")}`] : [])].join("  ");
      lines.push(`${indent}${span.name} (${ms.toFixed(1)} ms)  ${tail}`.trimEnd());
      walk(span.spanContext().spanId, `${indent}  `);
    }
  };
  walk(undefined, "");
  return lines;
}

export async function main(options: { query?: string } = {}): Promise<string[]> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  // What the Node SDK registers: the step's span stays current across the step body's awaits.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    const instrument = otelTracing({ tracer: provider.getTracer("examples") });
    const query = options.query ?? "How do steps run in parallel with events?";
    const merged = await parallelSearch.run({ query }, { resources: resources(), instrument });
    console.log(`${merged.hits.length} hits from ${merged.sources.join(", ")}; the run's spans:`);
    const lines = spanTree(exporter.getFinishedSpans());
    for (const line of lines) console.log(`  ${line}`);
    return lines;
  } finally {
    context.disable();
    await provider.shutdown();
  }
}

if (isMain(import.meta.url)) {
  const query = process.argv.slice(2).join(" ").trim();
  await main(query ? { query } : {});
}
