import type { Context, Span, Tracer } from "@opentelemetry/api";
import type { RunInfo } from "../execution/instrument.js";
import type { OtelApi } from "./otel.js";

/** What every span of one run shares. */
export interface RunScope {
  readonly otel: OtelApi;
  readonly tracer: Tracer;
  /** Whether model calls get spans of their own (see `OtelTracingOptions.modelCalls`). */
  readonly modelCalls: boolean;
  readonly info: RunInfo;
  /** The run's span, and the context its steps' spans start in. */
  readonly span: Span;
  readonly context: Context;
}
