import type { Attributes, Context, Span } from "@opentelemetry/api";
import type { ModelCallInfo, ModelCallResult } from "../execution/instrument.js";
import { GenAiAttributes as G } from "./attributes.js";
import { recordFailure } from "./otel.js";
import type { RunScope } from "./scope.js";

/**
 * Runs a model call in a span of its own, named and described as the OpenTelemetry GenAI
 * conventions say (`chat gpt-4o-mini`, kind CLIENT, `gen_ai.*` attributes, token usage). Its
 * parent is the span current in the step body when it belongs to the step's trace (a span the
 * step started around the call), else the step's span (no context manager registered).
 */
export async function modelCallSpan<T>(
  run: RunScope,
  stepSpan: Span,
  stepContext: Context,
  info: ModelCallInfo,
  call: (report: (result: ModelCallResult) => void) => Promise<T>,
): Promise<T> {
  const { otel, tracer } = run;
  const active = otel.context.active();
  const inStep = otel.trace.getSpan(active)?.spanContext().traceId === stepSpan.spanContext().traceId;
  const parent = inStep ? active : stepContext;
  const span = tracer.startSpan(
    `${info.operation} ${info.model}`,
    { kind: otel.SpanKind.CLIENT, attributes: requestAttributes(info) },
    parent,
  );
  const report = (result: ModelCallResult) => span.setAttributes(responseAttributes(result));
  try {
    // Current while the call runs: an instrumented HTTP client's span is the call's child.
    return await otel.context.with(otel.trace.setSpan(parent, span), () => call(report));
  } catch (error) {
    recordFailure(otel, span, error);
    throw error;
  } finally {
    span.end();
  }
}

function requestAttributes(info: ModelCallInfo): Attributes {
  const attributes: Attributes = {
    [G.operation]: info.operation,
    [G.system]: info.provider,
    [G.provider]: info.provider,
    [G.requestModel]: info.model,
  };
  if (info.output !== undefined) attributes[G.outputType] = info.output;
  if (info.serverAddress !== undefined) attributes[G.serverAddress] = info.serverAddress;
  if (info.serverPort !== undefined) attributes[G.serverPort] = info.serverPort;
  return attributes;
}

function responseAttributes(result: ModelCallResult): Attributes {
  const attributes: Attributes = {};
  if (result.model !== undefined) attributes[G.responseModel] = result.model;
  if (result.responseId !== undefined) attributes[G.responseId] = result.responseId;
  if (result.finishReasons !== undefined) attributes[G.finishReasons] = [...result.finishReasons];
  if (result.inputTokens !== undefined) attributes[G.inputTokens] = result.inputTokens;
  if (result.outputTokens !== undefined) attributes[G.outputTokens] = result.outputTokens;
  return attributes;
}
