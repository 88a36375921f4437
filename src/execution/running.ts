import type { AnyEvent, AnyEventDef, FieldsSchema } from "../events/types.js";
import type { Timer } from "../internal/timer.js";
import type { AttemptEnd, StepAttemptObserver } from "./instrument.js";
import type { StepContextImpl } from "./step-context.js";

/** What every invocation of one compiled workflow shares. */
export interface StepEnvironment {
  readonly resources: Readonly<Record<string, unknown>>;
  readonly stateSchema: FieldsSchema | undefined;
  readonly eventDefs: ReadonlyMap<string, AnyEventDef>;
  readonly accepts: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * How an invocation's end reaches the machine when not as a message: a promise step actor
 * resolves with nothing returned, or rejects once the retry policy gives up.
 */
export interface Settle {
  /** The step returned `output` (already checked against its `emits`). */
  done(output: AnyEvent | null): void;
  failed(error: unknown): void;
}

export interface Running {
  readonly id: number;
  readonly settle: Settle | undefined;
  ctx: StepContextImpl | undefined;
  /** The current attempt's observer, while the attempt runs (a run with an `instrument`). */
  attempt: StepAttemptObserver | undefined;
  stopped: boolean;
  /** Created on the first `waitForEvent`: most invocations never wait. */
  waiters: Map<number, { resolve(event: AnyEvent): void; reject(error: unknown): void }> | undefined;
  timer?: Timer;
}

export function find(running: readonly Running[], id: number): Running | undefined {
  for (const run of running) if (run.id === id) return run;
  return undefined;
}

/** Ends the invocation's current attempt for its observer, once (callers check `run.attempt` first). */
export function endAttempt(run: Running, end: AttemptEnd): void {
  const attempt = run.attempt;
  if (!attempt) return;
  run.attempt = undefined;
  attempt.end(end);
}
