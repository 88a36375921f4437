import type { Tracer } from "@opentelemetry/api";
import type { Instrumentation } from "../execution/instrument.js";
import { otelApi } from "./otel.js";
import { RunSpan } from "./run-span.js";

/**
 * Options of {@link otelTracing}.
 *
 * @example
 * ```ts
 * const instrument = otelTracing({ tracer: provider.getTracer("my-app"), modelCalls: false });
 * ```
 */
export interface OtelTracingOptions {
  /** The tracer the spans come from. @default the global tracer provider's tracer named "stepchart" */
  readonly tracer?: Tracer;
  /**
   * A span for each model call of `stepchart/openai` made with `{ ctx }`, with the GenAI
   * attributes (model, token usage). Turn it off when an instrumentation of the `openai` SDK
   * already makes one. @default true
   */
  readonly modelCalls?: boolean;
}

/**
 * OpenTelemetry tracing for runs: the value of the `instrument` run option. Each run gets a span
 * (`run <workflow>`, a child of the span current where it started or resumed), each step attempt a
 * child span of it (`step <name>`) that is current while the step body runs, and each model call
 * of `stepchart/openai` a GenAI span under its step. Retries, waits for input, completed collects
 * and timeouts are span events; failures set status ERROR and record the exception. Spans of other
 * libraries nest under a step's span when a context manager is registered (the Node SDK registers
 * one). Throws a `MISSING_DEPENDENCY` WorkflowError when `@opentelemetry/api` is not installed.
 *
 * @example
 * ```ts
 * import { otelTracing } from "stepchart/telemetry";
 * const instrument = otelTracing(); // the global tracer provider, set up by your OpenTelemetry SDK
 * const answer = await rag.run({ query: "What is a statechart?" }, { instrument });
 * ```
 */
export function otelTracing(options: OtelTracingOptions = {}): Instrumentation {
  const otel = otelApi();
  // The global provider's tracer is a proxy: a provider registered later still gets the spans.
  const tracer = options.tracer ?? otel.trace.getTracer("stepchart");
  const modelCalls = options.modelCalls ?? true;
  return { startRun: (info) => new RunSpan(otel, tracer, modelCalls, info) };
}
