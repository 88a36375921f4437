import { traceOf, type WorkflowHandler } from "../runtime/handler.js";
import type { TraceEntry } from "../runtime/trace.js";

/**
 * The run's trace so far, in order: the events routed (each with the step invocation that
 * returned or sent it, or `null` from outside), every step invocation started, finished, retried
 * or failed, each wait for a person, stream writes, rejected events, and how the run ended. Plain
 * JSON; call it at any moment (it covers the run from its start, or from its resume), or after
 * the run ended for the whole of it.
 *
 * It is read from the run's record, which keeps the run's most recent items (the `retain` run
 * option, 10,000 by default): a longer run's trace is that window. It then has a `dropped` entry
 * after the start event, saying how many items went before the ones it shows.
 *
 * @example
 * ```ts
 * const handler = approval.run({ topic: "tea" });
 * await handler;
 * for (const entry of traceRun(handler)) console.log(formatTraceEntry(entry));
 * // started run …, StartEvent from outside, draft#0 started on StartEvent, draft#0 finished → Drafted, …
 * ```
 */
export function traceRun(handler: WorkflowHandler<unknown, never>): TraceEntry[] {
  return (handler as unknown as { [traceOf](): TraceEntry[] })[traceOf]();
}

export { formatTraceEntry, type TraceEntry, type TraceSource } from "../runtime/trace.js";
