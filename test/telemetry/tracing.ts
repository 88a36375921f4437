/**
 * The OpenTelemetry SDK as the telemetry tests use it: a tracer provider that hands every ended
 * span to an in-memory exporter, and the AsyncLocalStorage context manager (what the Node SDK
 * registers), so a span started in a step body finds its step's span current. Plus readers of the
 * finished spans: by name, parent, attribute and event.
 */
import { context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll } from "vitest";

export interface Tracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: BasicTracerProvider;
}

/** Registers the context manager for this test file and empties the exporter after each test. */
export function useTracing(): Tracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager();
  beforeAll(() => {
    context.setGlobalContextManager(manager.enable());
  });
  afterEach(() => exporter.reset());
  afterAll(() => {
    context.disable();
    return provider.shutdown();
  });
  return { exporter, provider };
}

/** The spans that ended so far, in the order they ended. */
export const finished = (tracing: Tracing): ReadableSpan[] => tracing.exporter.getFinishedSpans();

export const named = (spans: readonly ReadableSpan[], name: string): ReadableSpan[] =>
  spans.filter((s) => s.name === name);

/** The only span named `name` (fails the test when there are none or several). */
export function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = named(spans, name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${names(spans)}`);
  return found[0] as ReadableSpan;
}

export const names = (spans: readonly ReadableSpan[]): string[] => spans.map((s) => s.name);

export const idOf = (span: ReadableSpan): string => span.spanContext().spanId;

export const parentIdOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The names of a span's events, in order. */
export const eventsOf = (span: ReadableSpan): string[] => span.events.map((e) => e.name);

/** The attributes of a span's events named `name`, in order. */
export const eventAttributes = (span: ReadableSpan, name: string) =>
  span.events.filter((e) => e.name === name).map((e) => e.attributes ?? {});

/** The step attempt spans of one step, by attempt then invocation. */
export function attemptsOf(spans: readonly ReadableSpan[], step: string): ReadableSpan[] {
  const key = (s: ReadableSpan) =>
    Number(s.attributes["stepchart.step.invocation"]) * 1000 + Number(s.attributes["stepchart.step.attempt"]);
  return named(spans, `step ${step}`).sort((a, b) => key(a) - key(b));
}

/** Waits until `count` spans named `name` have ended (spans end as the run's steps do, not with the handler). */
export async function untilEnded(tracing: Tracing, name: string, count = 1): Promise<void> {
  for (let i = 0; i < 200 && named(finished(tracing), name).length < count; i++)
    await new Promise((resolve) => setTimeout(resolve, 5));
}
