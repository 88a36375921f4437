/**
 * (h) The cost of tracing: the 10-step chain run without `instrument`, with `otelTracing()` on
 * `@opentelemetry/api` alone (no SDK registered: its tracer is a no-op, so this is stepchart's own
 * plumbing), and with the SDK's tracer provider recording every span (to an exporter that drops
 * them). Interleaved, on the built package, like the other workloads.
 */
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import type * as Telemetry from "../../src/telemetry/index.js";
import { interleave, type Stats, timeSequential } from "../lib/measure.js";
import { chain10 } from "./stepchart.js";

const builtTelemetry = "../../dist/telemetry.js";
const { otelTracing } = (await import(builtTelemetry)) as typeof Telemetry;

/** Takes every span and keeps none: the cost measured is making and ending spans, not storing them. */
const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: 0 }),
  shutdown: async () => undefined,
};

export interface TracingRow {
  readonly variant: string;
  readonly s: Stats;
}

/** Median µs per step of the chain (10 steps a run) in each variant, `runs` runs per rep. */
export async function tracingCosts(runs: number, reps: number): Promise<TracingRow[]> {
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(dropAll)] });
  const variants: [string, object][] = [
    ["no instrument", {}],
    ["otelTracing(), no SDK (no-op tracer)", { instrument: otelTracing() }],
    ["otelTracing(), SDK tracer recording spans", { instrument: otelTracing({ tracer: provider.getTracer("bench") }) }],
  ];
  const jobs = variants.map(
    ([, options]) =>
      () =>
        timeSequential(async () => {
          await chain10.run({ v: 0 }, options);
        }, runs),
  );
  for (const job of jobs) await job(); // warm-up
  const results = await interleave(jobs, reps, (ms) => (ms * 1000) / (runs * 10));
  await provider.shutdown();
  return variants.map(([variant], i) => ({ variant, s: results[i] as Stats }));
}
