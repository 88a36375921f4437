/**
 * `stepchart/telemetry`: OpenTelemetry tracing for workflow runs, on `@opentelemetry/api` (an
 * optional peer dependency; this is the only module that imports it). `otelTracing()` is the
 * value of the `instrument` run option: a span per run and per step attempt, span events for
 * retries, waits for input, collects and timeouts, and GenAI spans for `stepchart/openai` calls.
 *
 * @module
 */
export { GenAiAttributes, TelemetryAttributes, TelemetryEvents } from "./attributes.js";
export { type OtelTracingOptions, otelTracing } from "./tracing.js";
