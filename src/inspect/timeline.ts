import { regionValueOf, runRegions } from "../compiler/regions.js";
import type { WorkflowDefinition } from "../definition/types.js";
import type { TraceEntry } from "../runtime/trace.js";
import { PROMISE_DONE, RunReader } from "./run-reader.js";

/**
 * A value of a workflow's machine (the statechart shape): each step's region and the `human`
 * region while the run is active, or how it ended.
 *
 * @example
 * ```ts
 * const value: StatechartValue = { running: { draft: "idle", review: "running", human: "idle" } };
 * ```
 */
export type StatechartValue =
  | { readonly running: Readonly<Record<string, string>> }
  | "completed"
  | "failed"
  | "timedOut"
  | "cancelled";

/**
 * One moment of a run: the trace entries one machine event made, that event's type, and the
 * machine's value after it.
 *
 * @example
 * ```ts
 * const moment: StatechartMoment = {
 *   event: "InputRequiredEvent", // draft returned a prompt
 *   at: 3, entries: 2, // trace entries 3 and 4: draft#0 finished, waiting for input
 *   value: { running: { draft: "idle", review: "idle", human: "waiting" } },
 * };
 * ```
 */
export interface StatechartMoment {
  /**
   * The type of the machine event: a workflow event's type (returned, sent, or from outside),
   * `xstate.done.actor.*` for a step that returned nothing, `xstate.error.actor.*` for one that
   * failed, `xstate.init` for the run's first moment, or the runtime's own (`stepchart.retry`, …).
   */
  readonly event: string;
  /** The index of its first entry in the trace. */
  readonly at: number;
  /** How many trace entries it spans. */
  readonly entries: number;
  readonly value: StatechartValue;
}

/** The machine event an entry starts a moment with; undefined when it belongs to the moment before. */
function momentEvent(entry: TraceEntry, reader: RunReader, current: { event: string; returned?: number }) {
  switch (entry.kind) {
    case "run.started":
    case "run.resumed":
      return "xstate.init";
    case "dropped":
      return "(dropped)";
    case "event":
      // What an invocation returned comes with its end, in the same machine event.
      return entry.source !== null && entry.source.invocation === current.returned ? undefined : entry.type;
    case "step.started":
      return entry.attempt > 1 ? "stepchart.attempt" : undefined;
    case "step.finished":
      return entry.output ?? PROMISE_DONE;
    case "step.failed":
      return "xstate.error.actor.*";
    case "step.retrying":
      return "stepchart.retry";
    case "input.waiting":
      // A prompt a step waits on (or sends) is a machine event of its own; a returned one came with the step's end.
      return entry.source !== null && reader.isRunning(entry.source.invocation) ? "InputRequiredEvent" : undefined;
    case "stream":
      return "stepchart.stream";
    case "event.rejected":
      return String((entry.event as { type?: unknown } | null)?.type);
    case "run.ended":
      // A StopEvent or a failure ends the run in the machine event that caused it.
      if (entry.status === "completed" || entry.status === "failed") return undefined;
      return entry.status === "timedOut" ? "stepchart.timeout" : "stepchart.cancel";
  }
}

/** A moment without its value: where it is in the trace and the machine event it stands for. */
export type TraceMoment = Omit<StatechartMoment, "value">;

/**
 * Cuts a trace into the moments the machine's events made, in order, feeding each entry to
 * `reader` (which then says what is in flight); `closed` is called at the end of each moment.
 */
export function traceMoments(
  trace: readonly TraceEntry[],
  reader: RunReader,
  closed: (moment: TraceMoment) => void = () => undefined,
): TraceMoment[] {
  const moments: TraceMoment[] = [];
  let current: { event: string; at: number; returned?: number } | undefined;
  const close = (end: number) => {
    if (!current) return;
    const moment = { event: current.event, at: current.at, entries: end - current.at };
    moments.push(moment);
    closed(moment);
  };
  trace.forEach((entry, i) => {
    const event = current === undefined ? "xstate.init" : momentEvent(entry, reader, current);
    if (event !== undefined) {
      close(i);
      current = { event, at: i };
      if (entry.kind === "step.finished" && entry.output !== null) current.returned = entry.invocation;
    }
    reader.read(entry);
  });
  close(trace.length);
  return moments;
}

/**
 * What a workflow's machine did in a run, read from the run's trace: the trace cut into the
 * moments the machine's events made (a step's end with the event it returned and the steps that
 * started on it; an event from outside with what it started; a prompt; …), each with the
 * machine's value after it. Each step's region is `running` exactly while one of its invocations
 * is in flight (from its `step.started` to its `step.finished`), the `human` region `waiting`
 * exactly while a prompt has no answer: what happened, not what the definition would allow, so a
 * step that a targeted `sendEvent` passed over is never shown running. The values are those of
 * the statechart shape (`toStatechart()` draws it); a compact run's trace reads the same.
 *
 * @example
 * ```ts
 * import { statechartTimeline, traceRun } from "stepchart/inspect";
 * const handler = approval.run({ topic: "tea" });
 * // ... answer its prompt, await it ...
 * for (const { event, value } of statechartTimeline(approval, traceRun(handler)))
 *   console.log(event, JSON.stringify(value));
 * // xstate.init {"running":{"draft":"idle","review":"idle","human":"idle"}}
 * // StartEvent {"running":{"draft":"running","review":"idle","human":"idle"}}
 * // InputRequiredEvent {"running":{"draft":"idle","review":"idle","human":"waiting"}} …
 * ```
 */
export function statechartTimeline(
  workflow: { readonly definition: WorkflowDefinition },
  trace: readonly TraceEntry[],
): StatechartMoment[] {
  const regions = runRegions(workflow.definition);
  const reader = new RunReader(workflow.definition, trace);
  const current = (): StatechartValue => {
    if (reader.ended) return reader.ended;
    const slots = Object.fromEntries(reader.inflight.map((inv) => [inv.step, true]));
    return regionValueOf(regions, { slots, pending: Array.from({ length: reader.pending }) });
  };
  const moments: StatechartMoment[] = [];
  traceMoments(trace, reader, (moment) => moments.push({ ...moment, value: current() }));
  return moments;
}
