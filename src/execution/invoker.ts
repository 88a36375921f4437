import type { AnyActorRef } from "xstate";
import { nextRetryDelay } from "../definition/retry.js";
import type { StepDefinition } from "../definition/types.js";
import { errorInfo, StepTimeoutError, WorkflowCancelledError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { withoutFrames } from "../internal/stack.js";
import { clearTimer, now, setTimer } from "../internal/timer.js";
import { invocationOf, waiterKey } from "../kernel/context.js";
import { type FromStepMsg, internal, seal } from "../kernel/protocol.js";
import { predicatesOf } from "./bindings.js";
import { checkEmitted } from "./event-checks.js";
import { RunConnection } from "./run-connection.js";
import { endAttempt, find, type Running, type Settle, type StepEnvironment } from "./running.js";
import { StepContextImpl } from "./step-context.js";
import { deferStart } from "./turns.js";

export type { Settle, StepEnvironment } from "./running.js";

/**
 * Runs step invocations for one workflow actor: calls the step function with its `ctx`, applies
 * the step timeout and the retry policy, and reports every outcome and ctx op to the machine as an
 * event. It never routes or schedules; the machine does, from context. A step actor hosts one
 * (actor per invocation); an un-inspected run hosts one for all its steps (see hosting.ts).
 */
export class Invoker {
  /** A list, not a Map: a run has a handful in flight, and a Map costs more to hold. */
  readonly #running: Running[] = [];
  readonly #host: RunConnection;

  /**
   * `send` posts the invocations' messages to the workflow actor. `batch`: several `sendEvent`s in
   * a row go as one `sendMany` message (the compact shape; the statechart shape makes every event
   * a machine event of its own).
   */
  constructor(workflow: AnyActorRef, env: StepEnvironment, send: (msg: FromStepMsg) => void, batch = true) {
    this.#host = new RunConnection(workflow, env, (msg) => send(seal(msg)), this.#running, batch);
  }

  /** Whether invocation `id` is running here. */
  has(id: number): boolean {
    return find(this.#running, id) !== undefined;
  }

  /** Starts invocation `id` of `step`; its event, attempt and journal are in the machine's context. */
  start(step: StepDefinition, id: number, settle?: Settle): void {
    if (find(this.#running, id)) return;
    const run: Running = { id, settle, ctx: undefined, attempt: undefined, stopped: false, waiters: undefined };
    this.#running.push(run);
    // User code must not start inside the machine's macrostep: a ctx op sent from there would
    // be queued instead of applied, and ctx reads would be stale.
    deferStart(() => void this.#execute(step, id, run));
  }

  /** Hands a matched event to the `waitForEvent` of invocation `id` that registered waiter `op`. */
  resolve(id: number, op: number, event: AnyEvent): void {
    const run = find(this.#running, id);
    const waiter = run?.waiters?.get(op);
    run?.waiters?.delete(op);
    predicatesOf(this.#host.workflow).delete(waiterKey(id, op));
    waiter?.resolve(event);
  }

  /** Ends invocation `id` (its actor was stopped): as {@link stop}, for one invocation. */
  stopOne(id: number, reason?: unknown): void {
    const run = find(this.#running, id);
    if (!run) return;
    this.#halt(run, reason ?? new WorkflowCancelledError());
    this.#forget(run);
  }

  #halt(run: Running, reason: unknown): void {
    run.stopped = true;
    clearTimer(run.timer);
    run.ctx?.abort(reason);
    if (run.attempt) endAttempt(run, { status: "stopped", reason });
    if (run.waiters) for (const waiter of run.waiters.values()) waiter.reject(reason);
  }

  /** Ends every invocation: aborts `ctx.signal`, rejects pending waits, drops later reports. */
  stop(reason?: unknown): void {
    if (this.#running.length === 0) return;
    reason ??= new WorkflowCancelledError();
    for (const run of this.#running) this.#halt(run, reason);
    this.#running.length = 0;
  }

  /** A failed attempt's waits end with it (the machine drops their waiters on retry). */
  #dropWaiters(run: Running): void {
    if (!run.waiters) return;
    const predicates = predicatesOf(this.#host.workflow);
    for (const op of run.waiters.keys()) predicates.delete(waiterKey(run.id, op));
    run.waiters = undefined;
  }

  #forget(run: Running): void {
    const i = this.#running.indexOf(run);
    if (i >= 0) this.#running.splice(i, 1);
  }

  async #execute(step: StepDefinition, id: number, run: Running): Promise<void> {
    const host = this.#host;
    // Restored in the middle of a retry delay: wait out the rest of it, then start the attempt.
    const retryAt = invocationOf(host.context().inflight, id)?.retryAt;
    if (retryAt !== undefined) {
      if (retryAt > now()) await sleep(retryAt - now(), run);
      if (run.stopped) return;
      host.send({ type: internal.attempt, id });
    }
    for (;;) {
      const invocation = invocationOf(host.context().inflight, id);
      if (!invocation || run.stopped) return;
      // The run deadline holds at every step boundary (each attempt's start), even if its timer
      // could not fire yet.
      const deadline = host.context().clock.deadline;
      if (deadline !== null && now() >= deadline) return host.send({ type: internal.timeout, id });
      // Only a run with an `instrument` pays for observing its attempts.
      const attempt = host.traced?.observer?.startAttempt({
        step: step.name,
        invocation: id,
        attempt: invocation.attempt,
        event: invocation.event.type,
      });
      const ctx = new StepContextImpl(host, step, id, invocation, attempt);
      run.ctx = ctx;
      run.attempt = attempt;
      let output: AnyEvent | null;
      try {
        let result = attempt
          ? attempt.run(() => step.fn(ctx as never, invocation.event))
          : step.fn(ctx as never, invocation.event);
        if (isThenable(result)) result = await withTimeout(result, step, ctx, run);
        if (run.stopped) return;
        output = result == null ? null : checkReturned(step, result);
      } catch (error) {
        if (run.stopped) return;
        ctx.abort(error);
        this.#dropWaiters(run);
        const delay = retryDelay(step, invocation.attempt, error, `${host.runId}:${step.name}:${id}`);
        if (run.attempt) endAttempt(run, { status: "failed", error, retryDelay: delay });
        if (delay === null) {
          this.#forget(run);
          if (run.settle) run.settle.failed(error);
          else host.send({ type: internal.failed, id, error, attempts: invocation.attempt });
          return;
        }
        host.send({ type: internal.retry, id, error: errorInfo(error), delay });
        if (delay > 0) await sleep(delay, run);
        if (run.stopped) return;
        host.send({ type: internal.attempt, id });
        continue;
      }
      this.#forget(run);
      // Guarded here, not inside: the end's object is made only for a run that observes its steps.
      if (run.attempt) endAttempt(run, { status: "returned", output: output ? output.type : null });
      if (run.settle) {
        host.flush();
        run.settle.done(output);
      } else host.send({ type: internal.done, id, output });
      return;
    }
  }
}

/** The policy's next delay; a `retryIf` that throws gives up (the step fails with its own error). */
function retryDelay(step: StepDefinition, attempt: number, error: unknown, seed: string): number | null {
  try {
    return nextRetryDelay(step.retry, attempt, error, seed);
  } catch {
    return null;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Races the attempt against the step's `timeout`, aborting `ctx.signal` when it expires. */
function withTimeout(
  result: PromiseLike<unknown>,
  step: StepDefinition,
  ctx: StepContextImpl,
  run: Running,
): PromiseLike<unknown> {
  if (step.timeout === undefined) return result;
  const ms = step.timeout;
  return new Promise((resolve, reject) => {
    // Its own timer: an attempt that timed out may settle later, during the retry delay, and must
    // not clear the delay's timer (`run.timer`) then.
    const timer = setTimer(() => {
      const error = new StepTimeoutError(step.name, ms);
      ctx.abort(error);
      reject(error);
    }, ms);
    run.timer = timer;
    result.then(
      (value) => {
        clearTimer(timer);
        resolve(value);
      },
      (error) => {
        clearTimer(timer);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, run: Running): Promise<void> {
  return new Promise((resolve) => {
    run.timer = setTimer(resolve, ms);
  });
}

/**
 * The event a step returned, checked against its `emits`. stepchart's refusal has no frames: the
 * step's code has returned by then, and the frames would be stepchart's only. An error of the
 * user's own (a zod transform of the event that threw) keeps its stack.
 */
function checkReturned(step: StepDefinition, result: unknown): AnyEvent {
  try {
    return checkEmitted(step, result, "returned");
  } catch (error) {
    throw withoutFrames(error);
  }
}
