import type { AnyEvent } from "../../events/types.js";

/** A step attempt that started: what a display shows while it runs. */
export interface StepRunning {
  readonly step: string;
  readonly invocation: number;
  /** 1 for the first attempt, 2 for the first retry, and so on. */
  readonly attempt: number;
  /** The event type it runs on. */
  readonly on: string;
  /** `Date.now()` when the attempt started (or when this process saw it, for a resumed run). */
  readonly startedAt: number;
}

/** A step attempt that ended. */
export interface StepEnded extends StepRunning {
  readonly status: "completed" | "retrying" | "failed";
  /**
   * How long it took. For an attempt whose start this process did not see (a step that was in
   * flight when the run was resumed here, which the runtime runs again with no new start item):
   * the time since the resume, when the tracker knows it (`sinceResume`), else unknown.
   */
  readonly durationMs: number | undefined;
  /** `durationMs` counts from the resume: the attempt was running again from then. */
  readonly sinceResume: boolean;
  /** The returned event's type (a completed attempt). */
  readonly output: string | null;
  readonly error: { readonly name: string; readonly message: string } | undefined;
}

/** What a display gets for one item of a run's `all` stream. */
export type StepChange =
  | { readonly kind: "started"; readonly attempt: StepRunning }
  | { readonly kind: "ended"; readonly attempt: StepEnded }
  | { readonly kind: "other"; readonly event: AnyEvent };

/**
 * Follows the step invocations of a run from its `all` stream: the runtime's Step*Event items
 * carry neither times nor attempt numbers, so durations and retries are measured here, as the
 * items arrive. A retry is another StepStartedEvent of the same invocation.
 */
export class StepTracker {
  readonly #running = new Map<number, StepRunning>();
  readonly #attempts = new Map<number, number>();
  readonly #now: () => number;
  #resumedAt: number | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The attempts in flight, oldest first. */
  get running(): StepRunning[] {
    return [...this.#running.values()];
  }

  /**
   * The run was resumed here now: a step that ends without a start seen here re-ran from this
   * moment (resuming runs a step that was in flight again), so its duration counts from now.
   */
  resumedNow(): void {
    this.#resumedAt = this.#now();
  }

  see(event: AnyEvent): StepChange {
    if (event.type === "StepStartedEvent") {
      const invocation = Number(event.invocation);
      const attempt = (this.#attempts.get(invocation) ?? 0) + 1;
      this.#attempts.set(invocation, attempt);
      const running: StepRunning = {
        step: String(event.step),
        invocation,
        attempt,
        on: String(event.event),
        startedAt: this.#now(),
      };
      this.#running.set(invocation, running);
      return { kind: "started", attempt: running };
    }
    if (event.type === "StepFinishedEvent") {
      const invocation = Number(event.invocation);
      // A resumed run's step can end here without its start having been seen here.
      const seen = this.#running.get(invocation);
      const started = seen ?? {
        step: String(event.step),
        invocation,
        attempt: this.#attempts.get(invocation) ?? 1,
        on: "",
        startedAt: this.#resumedAt ?? this.#now(),
      };
      this.#running.delete(invocation);
      const sinceResume = !seen && this.#resumedAt !== undefined;
      return {
        kind: "ended",
        attempt: {
          ...started,
          status: event.status as StepEnded["status"],
          durationMs: seen || sinceResume ? this.#now() - started.startedAt : undefined,
          sinceResume,
          output: (event.output as string | null | undefined) ?? null,
          error: event.error as StepEnded["error"],
        },
      };
    }
    return { kind: "other", event };
  }
}
