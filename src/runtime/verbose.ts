import type { AnyEvent } from "../events/types.js";
import { formatTraceEntry, Tracer } from "./trace.js";

/**
 * The `verbose` option's log: a line on stderr per trace entry as the run goes (stream items
 * excepted: token deltas would drown the rest). The only place the library writes to the
 * console, and only when a user asked for it.
 */
export function createVerboseLog(
  workflow: string,
): (event: AnyEvent, from: number | undefined, published: boolean) => void {
  const tracer = new Tracer();
  return (event, from, published) => {
    const entry = tracer.entry({ event, from, published });
    if (!entry || entry.kind === "stream") return;
    // biome-ignore lint/suspicious/noConsole: `verbose` is an explicit request for log lines on stderr
    console.error(`[${workflow}] ${formatTraceEntry(entry)}`);
  };
}
