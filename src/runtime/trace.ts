import type { ErrorInfo } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { endStatusOf, type RunStatus } from "../kernel/outcome.js";
import type { RecordedItem, StartedBefore } from "./record.js";

/**
 * The step invocation an event came from.
 *
 * @example
 * ```ts
 * const source: TraceSource = { step: "draft", invocation: 0 }; // the first invocation of the run
 * ```
 */
export interface TraceSource {
  readonly step: string;
  readonly invocation: number;
}

/**
 * One entry of a run's trace (see `traceRun`). Plain JSON: a trace can be saved, compared in a
 * test, logged, or drawn.
 *
 * - `run.started` / `run.resumed`: the first entry (a resumed run's trace starts at the resume).
 * - `dropped`: the run kept only its most recent items (the `retain` run option); `items` earlier
 *   items are gone, and the trace goes on from the oldest one it still holds. It comes right after
 *   the start event, which is always kept.
 * - `event`: a workflow event was routed; `source` is the step invocation that returned or sent
 *   it, `null` for the start event and events sent from outside (a person, another process).
 * - `step.started` (again for each retry attempt), `step.finished` (`output`: the type of the
 *   event it returned, `null` for none), `step.retrying`, `step.failed`.
 * - `input.waiting`: a prompt for a person (an InputRequiredEvent returned, or a `waitForEvent`
 *   prompt); the run waits until a HumanResponseEvent arrives (an `event` entry).
 * - `stream`: an item a step wrote with `writeEventToStream`.
 * - `event.rejected`: an event sent to the raw actor that the workflow refused.
 * - `run.ended`: the last entry; `terminal` is the stream's terminal item.
 *
 * @example
 * ```ts
 * const entry: TraceEntry = { kind: "step.finished", step: "draft", invocation: 0, output: "Drafted" };
 * ```
 */
export type TraceEntry =
  | { readonly kind: "run.started"; readonly workflow: string; readonly runId: string }
  | { readonly kind: "run.resumed"; readonly workflow: string; readonly runId: string }
  | { readonly kind: "dropped"; readonly items: number }
  | { readonly kind: "event"; readonly type: string; readonly source: TraceSource | null; readonly event: AnyEvent }
  | {
      readonly kind: "step.started";
      readonly step: string;
      readonly invocation: number;
      readonly event: string;
      readonly attempt: number;
    }
  | {
      readonly kind: "step.finished";
      readonly step: string;
      readonly invocation: number;
      readonly output: string | null;
    }
  | { readonly kind: "step.retrying"; readonly step: string; readonly invocation: number; readonly error: ErrorInfo }
  | { readonly kind: "step.failed"; readonly step: string; readonly invocation: number; readonly error: ErrorInfo }
  | { readonly kind: "input.waiting"; readonly source: TraceSource | null; readonly prompt: AnyEvent }
  | { readonly kind: "stream"; readonly source: TraceSource | null; readonly event: AnyEvent }
  | { readonly kind: "event.rejected"; readonly event: unknown; readonly issues: unknown }
  | {
      readonly kind: "run.ended";
      readonly status: Exclude<RunStatus, "running" | "waiting">;
      readonly terminal: AnyEvent;
    };

/** What a trace is built from: the run's record, and whether its last item is the terminal one. */
export interface TraceInput {
  readonly workflow: string;
  readonly runId: string;
  readonly resumed: boolean;
  readonly items: readonly RecordedItem[];
  readonly ended: boolean;
  /** How many items the run's record dropped before `items` (0: the record is whole). */
  readonly dropped?: number;
  /** Invocations in flight whose started items were dropped: their events still name their step. */
  readonly startedBefore?: ReadonlyMap<number, StartedBefore>;
}

/** How many finished invocations a Tracer still names (events they returned come right after). */
const RECENTLY_FINISHED = 64;

/** Builds a run's trace from its record. */
export function buildTrace(input: TraceInput): TraceEntry[] {
  const { workflow, runId } = input;
  const trace: TraceEntry[] = [{ kind: input.resumed ? "run.resumed" : "run.started", workflow, runId }];
  const tracer = new Tracer(input.startedBefore);
  const { items, dropped = 0 } = input;
  const last = items.length - 1;
  // The start event is always kept, so the gap comes after it.
  const gapAfter = items[0]?.from === -1 && items[0].event.type === "StartEvent" ? 0 : -1;
  if (dropped > 0 && gapAfter < 0) trace.push({ kind: "dropped", items: dropped });
  items.forEach((item, i) => {
    const entry = input.ended && i === last ? endOf(item.event) : tracer.entry(item);
    if (entry) trace.push(entry);
    if (dropped > 0 && i === gapAfter) trace.push({ kind: "dropped", items: dropped });
  });
  return trace;
}

/** The `run.ended` entry of a terminal stream item. */
export function endOf(terminal: AnyEvent): TraceEntry {
  return { kind: "run.ended", status: endStatusOf(terminal), terminal };
}

/**
 * Turns recorded items into trace entries, in order. It remembers which step each invocation in
 * flight is, and the last few that finished (the event a step returned comes after its finished
 * item): what it holds does not grow with the run (`verbose` keeps one for the run's life).
 */
export class Tracer {
  #steps = new Map<number, string>();
  #attempts = new Map<number, number>();
  #finished = new Map<number, string>();

  /** `startedBefore`: invocations in flight whose started items come before what this tracer will see. */
  constructor(startedBefore?: ReadonlyMap<number, StartedBefore>) {
    for (const [invocation, { step, attempts }] of startedBefore ?? []) {
      this.#steps.set(invocation, step);
      this.#attempts.set(invocation, attempts);
    }
  }

  entry({ event, from, published }: RecordedItem): TraceEntry | undefined {
    const step = event.step as string;
    const invocation = event.invocation as number;
    switch (published ? "" : event.type) {
      case "StepStartedEvent": {
        this.#steps.set(invocation, step);
        const attempt = (this.#attempts.get(invocation) ?? 0) + 1;
        this.#attempts.set(invocation, attempt);
        return { kind: "step.started", step, invocation, event: event.event as string, attempt };
      }
      case "StepFinishedEvent":
        if (event.status === "retrying")
          return { kind: "step.retrying", step, invocation, error: event.error as ErrorInfo };
        this.#done(invocation, step);
        if (event.status === "failed")
          return { kind: "step.failed", step, invocation, error: event.error as ErrorInfo };
        return { kind: "step.finished", step, invocation, output: (event.output as string | null) ?? null };
      case "EventRejectedEvent":
        return { kind: "event.rejected", event: event.event, issues: event.issues };
    }
    const source = this.#source(from);
    if (!published) return { kind: "event", type: event.type, source, event };
    if (event.type === "InputRequiredEvent") return { kind: "input.waiting", source, prompt: event };
    return { kind: "stream", source, event };
  }

  #source(from: number | undefined): TraceSource | null {
    if (from === undefined || from < 0) return null;
    return { step: this.#steps.get(from) ?? this.#finished.get(from) ?? "?", invocation: from };
  }

  /** An invocation ended: it is no longer in flight, and only the last few finished are kept. */
  #done(invocation: number, step: string): void {
    this.#steps.delete(invocation);
    this.#attempts.delete(invocation);
    this.#finished.set(invocation, step);
    if (this.#finished.size > RECENTLY_FINISHED) {
      const oldest = this.#finished.keys().next().value as number;
      this.#finished.delete(oldest);
    }
  }
}

/**
 * One line for a trace entry (the `verbose` option's format).
 *
 * @example
 * ```ts
 * formatTraceEntry({ kind: "step.finished", step: "draft", invocation: 0, output: "Drafted" });
 * // "draft#0 finished → Drafted"
 * ```
 */
export function formatTraceEntry(entry: TraceEntry): string {
  const from = (source: TraceSource | null) => (source ? ` from ${source.step}#${source.invocation}` : "");
  switch (entry.kind) {
    case "run.started":
    case "run.resumed":
      return `${entry.kind === "run.started" ? "started" : "resumed"} run ${entry.runId}`;
    case "dropped":
      return `… ${entry.items} earlier items dropped (retain)`;
    case "event":
      return `${entry.type}${from(entry.source) || " from outside"}`;
    case "step.started":
      return `${entry.step}#${entry.invocation} started on ${entry.event}${entry.attempt > 1 ? ` (attempt ${entry.attempt})` : ""}`;
    case "step.finished":
      return `${entry.step}#${entry.invocation} finished${entry.output ? ` → ${entry.output}` : ""}`;
    case "step.retrying":
      return `${entry.step}#${entry.invocation} will retry: ${entry.error.message}`;
    case "step.failed":
      return `${entry.step}#${entry.invocation} failed: ${entry.error.message}`;
    case "input.waiting":
      return `waiting for input${from(entry.source)}`;
    case "stream":
      return `stream ${entry.event.type}${from(entry.source)}`;
    case "event.rejected":
      return `rejected ${String((entry.event as { type?: unknown } | null)?.type)}`;
    case "run.ended":
      return `run ${entry.status}`;
  }
}
