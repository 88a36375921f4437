import type { WorkflowDefinition } from "../definition/types.js";
import type { TraceEntry } from "../runtime/trace.js";

/** A step invocation in flight, as a trace shows it: its step and the event type it started on. */
export interface TracedInvocation {
  readonly invocation: number;
  readonly step: string;
  /** The type of the event it started on; `"?"` when the trace does not show its start (a resumed run). */
  readonly event: string;
}

/** A prompt a person has not answered: of an invocation that waits for an answer, or one a step returned or sent. */
interface Prompt {
  readonly waiter: number | null;
}

/** The machine event a `step.finished` entry stands for when the step returned nothing. */
export const PROMISE_DONE = "xstate.done.actor.*";

/**
 * What a run has in flight at each point of its trace, read from what happened: every invocation
 * from its `step.started` to its `step.finished` or `step.failed`, and every prompt from its
 * `input.waiting` to its answer. Read entry by entry, in order.
 *
 * Without the definition, every prompt is read as one a step returned or sent. A prompt of a step
 * that waits (`awaits`) is taken to be its `waitForEvent` prompt: answered by
 * the first event of a type the step awaits, or gone when its invocation ends. Any other prompt is
 * answered by the first HumanResponseEvent no waiting prompt took, oldest first, as the runtime does.
 */
export class RunReader {
  readonly #inflight = new Map<number, TracedInvocation>();
  #prompts: Prompt[] = [];
  #ended: "completed" | "failed" | "timedOut" | "cancelled" | null = null;
  readonly #awaits: ReadonlyMap<string, ReadonlySet<string>>;

  /**
   * `trace` is read once ahead for the invocations it shows ending but not starting: those were in
   * flight before its first entry (a resumed run, or a record that dropped its oldest items).
   */
  constructor(def: WorkflowDefinition | undefined, trace: readonly TraceEntry[] = []) {
    this.#awaits = new Map((def?.steps ?? []).map((s) => [s.name, new Set(s.awaits.map((d) => d.type))]));
    const started = new Set<number>();
    for (const entry of trace) {
      if (entry.kind === "step.started") started.add(entry.invocation);
      else if (isEnd(entry) && !started.has(entry.invocation)) {
        started.add(entry.invocation);
        this.#inflight.set(entry.invocation, { invocation: entry.invocation, step: entry.step, event: "?" });
      }
    }
  }

  /** The invocations in flight, oldest first. */
  get inflight(): TracedInvocation[] {
    return [...this.#inflight.values()].sort((a, b) => a.invocation - b.invocation);
  }

  /** How many prompts wait for a person. */
  get pending(): number {
    return this.#prompts.length;
  }

  /** How the run ended, once it did. */
  get ended(): "completed" | "failed" | "timedOut" | "cancelled" | null {
    return this.#ended;
  }

  /** Whether invocation `id` is in flight. */
  isRunning(id: number): boolean {
    return this.#inflight.has(id);
  }

  read(entry: TraceEntry): void {
    switch (entry.kind) {
      case "step.started":
        if (!this.#inflight.has(entry.invocation))
          this.#inflight.set(entry.invocation, { invocation: entry.invocation, step: entry.step, event: entry.event });
        break;
      case "step.retrying":
        // The failed attempt's prompts go with it; the next attempt asks again.
        this.#prompts = this.#prompts.filter((p) => p.waiter !== entry.invocation);
        break;
      case "step.finished":
      case "step.failed":
        this.#inflight.delete(entry.invocation);
        this.#prompts = this.#prompts.filter((p) => p.waiter !== entry.invocation);
        break;
      case "input.waiting": {
        const source = entry.source;
        const waits = source !== null && this.#inflight.has(source.invocation) && this.#waits(source.step);
        this.#prompts.push({ waiter: waits && source ? source.invocation : null });
        break;
      }
      case "event":
        this.#answer(entry.type);
        break;
      case "run.ended":
        this.#ended = entry.status;
        this.#inflight.clear();
        this.#prompts = [];
        break;
    }
  }

  #waits(step: string): boolean {
    return (this.#awaits.get(step)?.size ?? 0) > 0;
  }

  /** An event arrived: it answers the prompts of steps waiting for its type, or else the oldest other prompt. */
  #answer(type: string): void {
    const before = this.#prompts.length;
    this.#prompts = this.#prompts.filter((p) => {
      if (p.waiter === null) return true;
      const step = this.#inflight.get(p.waiter)?.step;
      return step === undefined || !this.#awaits.get(step)?.has(type);
    });
    if (this.#prompts.length < before || type !== "HumanResponseEvent") return;
    const i = this.#prompts.findIndex((p) => p.waiter === null);
    if (i >= 0) this.#prompts.splice(i, 1);
  }
}

function isEnd(
  entry: TraceEntry,
): entry is Extract<TraceEntry, { kind: "step.finished" | "step.failed" | "step.retrying" }> {
  return entry.kind === "step.finished" || entry.kind === "step.failed" || entry.kind === "step.retrying";
}
