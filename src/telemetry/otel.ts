import type { Span } from "@opentelemetry/api";
import { peer, required } from "../internal/peers.js";
import { TelemetryAttributes } from "./attributes.js";

/** The OpenTelemetry API, as `stepchart/telemetry` uses it. */
export type OtelApi = typeof import("@opentelemetry/api");

// An optional peer: without it this module still loads, and otelTracing says how to install it.
const api = await peer<OtelApi>(import("@opentelemetry/api"));

/** The OpenTelemetry API, or a `MISSING_DEPENDENCY` error that names the package to install. */
export function otelApi(): OtelApi {
  return required(api, "@opentelemetry/api", "stepchart/telemetry (otelTracing)", "npm install @opentelemetry/api@1");
}

/**
 * Marks a span failed with `error`: status ERROR with its message, the `exception` event, and
 * `error.type` (a WorkflowError's code, an HTTP status, or the error's name).
 */
export function recordFailure(otel: OtelApi, span: Span, error: unknown): void {
  const failure = error instanceof Error ? error : new Error(String(error));
  span.recordException(failure);
  span.setStatus({ code: otel.SpanStatusCode.ERROR, message: failure.message });
  span.setAttribute(TelemetryAttributes.errorType, errorType(error));
}

/** The class of an error, as `error.type` wants it: low-cardinality, stable. */
export function errorType(error: unknown): string {
  const { code, status, name } = (typeof error === "object" && error !== null ? error : {}) as {
    code?: unknown;
    status?: unknown;
    name?: unknown;
  };
  if (typeof status === "number") return String(status);
  if (typeof code === "string" && code !== "") return code;
  return typeof name === "string" && name !== "" ? name : "_OTHER";
}

/** The code of a WorkflowError (`STEP_TIMEOUT`, ...), if `error` is one. */
export function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : undefined;
}
