import type { AnyEvent } from "../events/types.js";
import { formatTraceEntry, type TraceEntry, Tracer } from "./trace.js";

/** The `verbose` option's log: a line on stderr per trace entry as the run goes. */
export interface VerboseLog {
  /** A recorded item (stream items excepted: token deltas would drown the rest). */
  item(event: AnyEvent, from: number | undefined, published: boolean): void;
  /** An entry the handler makes itself (the run's start and end). */
  entry(entry: TraceEntry): void;
}

/**
 * The only place the library writes to the console, and only when a user asked for it: the
 * same lines as `formatTraceEntry` gives for `traceRun(handler)`, prefixed with the workflow.
 */
export function createVerboseLog(workflow: string): VerboseLog {
  const tracer = new Tracer();
  const entry = (e: TraceEntry) => {
    // biome-ignore lint/suspicious/noConsole: `verbose` is an explicit request for log lines on stderr
    console.error(`[${workflow}] ${formatTraceEntry(e)}`);
  };
  return {
    item(event, from, published) {
      const e = tracer.entry({ event, from, published });
      if (e && e.kind !== "stream") entry(e);
    },
    entry,
  };
}
