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
  /** Unknown for an attempt that started before this process saw the run (a resumed run's re-run step). */
  readonly durationMs: number | undefined;
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

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The attempts in flight, oldest first. */
  get running(): StepRunning[] {
    return [...this.#running.values()];
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
        startedAt: this.#now(),
      };
      this.#running.delete(invocation);
      return {
        kind: "ended",
        attempt: {
          ...started,
          status: event.status as StepEnded["status"],
          durationMs: seen ? this.#now() - seen.startedAt : undefined,
          output: (event.output as string | null | undefined) ?? null,
          error: event.error as StepEnded["error"],
        },
      };
    }
    return { kind: "other", event };
  }
}
