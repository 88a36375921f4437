import type { z } from "zod/v4";
import type { AttemptInfo, StepDefinition, WaitOptions } from "../definition/types.js";
import { EventRoutingError, StepStateError, WaitTimeoutError } from "../errors.js";
import type { AnyEvent, AnyEventDef, FieldsSchema } from "../events/types.js";
import { findNonJson, isForbiddenKey } from "../internal/json.js";
import { fromCaller } from "../internal/stack.js";
import { clearTimer, setTimer, type Timer } from "../internal/timer.js";
import { type Invocation, invocationOf, type RunContext } from "../kernel/context.js";
import { type FromStepMsg, internal, type WaitPredicate, withPredicate } from "../kernel/protocol.js";
import { checkEmitted, checkEventObject, toCollectSpec } from "./event-checks.js";
import type { ModelCallInfo, ModelCallResult, StepAttemptObserver } from "./instrument.js";

/**
 * @internal A step context's stream write that is not an op of the journal: for items that only
 * matter live (token deltas), whose number a re-run could not reproduce. Used by `stepchart/openai`.
 */
export const publishLive: unique symbol = Symbol.for("stepchart.publishLive");

/**
 * @internal A step context's model call, reported to the run's instrumentation when it has one
 * (a span of its own under the step's): `stepchart/openai` reaches the tracer through it, without
 * importing one.
 */
export const modelCall: unique symbol = Symbol.for("stepchart.modelCall");

/** What a step context needs from the invoker that runs it (one per run, shared by its steps). */
export interface StepContextHost {
  readonly runId: string;
  readonly resources: Readonly<Record<string, unknown>>;
  readonly stateSchema: FieldsSchema | undefined;
  /** Every known event definition by type, to validate events built without a factory. */
  readonly eventDefs: ReadonlyMap<string, AnyEventDef>;
  /** Steps by name with the event types each accepts, for targeted `sendEvent`. */
  readonly accepts: ReadonlyMap<string, ReadonlySet<string>>;
  context(): RunContext;
  send(msg: FromStepMsg): void;
  /** Waits for the machine to resolve waiter `op` of invocation `id`. */
  wait(
    id: number,
    op: number,
    predicate: ((event: AnyEvent) => boolean) | undefined,
    signal: AbortSignal,
  ): Promise<AnyEvent>;
  /** Drops the local side of a waiter (its machine side is removed with `unwait`). */
  forget(id: number, op: number): void;
  /** Resolves once the run's state so far is durable (at once for a run without a store). */
  checkpoint(): Promise<void>;
  /** Resolves while this runner still holds the run (at once for a run without a store). */
  confirmHold(): Promise<void>;
}

/**
 * The `ctx` of one attempt. Every mutating op is numbered; an op whose number is below the
 * invocation's journaled count was already applied by an earlier attempt (or before a restore),
 * so it is skipped and, for ops with a result, the journaled result is returned.
 */
export class StepContextImpl {
  // Few fields, and the rest read through: a run holds one of these per step in flight.
  #host: StepContextHost;
  #step: StepDefinition;
  #id: number;
  #started: Invocation;
  #op = 0;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #observer: StepAttemptObserver | undefined;

  constructor(
    host: StepContextHost,
    step: StepDefinition,
    id: number,
    invocation: Invocation,
    observer?: StepAttemptObserver,
  ) {
    this.#host = host;
    this.#step = step;
    this.#id = id;
    this.#started = invocation;
    this.#observer = observer;
  }

  get runId(): string {
    return this.#host.runId;
  }

  get resources(): Readonly<Record<string, unknown>> {
    return this.#host.resources;
  }

  /** This attempt's number and the previous attempt's error (as it was when the attempt started). */
  get attempt(): AttemptInfo {
    const inv = this.#started;
    return inv.lastError ? { number: inv.attempt, lastError: inv.lastError } : { number: inv.attempt };
  }

  /** Created on first use: most steps never look at it, and an AbortController is not free. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** @internal Aborts this attempt's signal (timeout, cancel, end of run). */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    // The attempt has ended for its observer: code still running in it reports nothing more.
    this.#observer = undefined;
    this.#controller?.abort(reason);
  }

  get(key: string, ...fallback: unknown[]): unknown {
    const state = this.#host.context().state;
    if (Object.hasOwn(state, key)) return state[key];
    if (fallback.length > 0) return fallback[0];
    throw fromCaller(
      new StepStateError(key, `State key "${key}" is not set (pass a default: ctx.get("${key}", fallback))`),
      proto.get,
    );
  }

  set(key: string, value: unknown): void {
    try {
      this.#checkState(key, value);
    } catch (error) {
      throw fromCaller(error, proto.set);
    }
    const op = this.#op;
    if (this.#replaying()) return;
    this.#post({ type: internal.set, id: this.#id, op, key, value });
  }

  update(key: string, fn: (current: unknown) => unknown): unknown {
    const state = this.#host.context().state;
    const op = this.#op;
    if (this.#replaying()) return state[key];
    const value = fn(Object.hasOwn(state, key) ? state[key] : undefined);
    try {
      this.#checkState(key, value);
    } catch (error) {
      throw fromCaller(error, proto.update);
    }
    this.#post({ type: internal.set, id: this.#id, op, key, value });
    return value;
  }

  sendEvent(event: AnyEvent, options?: { step?: string }): void {
    let checked: AnyEvent;
    try {
      checked = this.#checkSend(event, options?.step);
    } catch (error) {
      throw fromCaller(error, proto.sendEvent);
    }
    const target = options?.step;
    const op = this.#op;
    if (this.#replaying()) return;
    this.#observer?.sent?.(checked.type);
    this.#post(
      target === undefined
        ? { type: internal.send, id: this.#id, op, event: checked }
        : { type: internal.send, id: this.#id, op, event: checked, step: target },
    );
  }

  /** The event a `sendEvent` may send: declared in `emits`, valid, and accepted by its target step. */
  #checkSend(event: AnyEvent, target: string | undefined): AnyEvent {
    const checked = this.#checkEmitted(event, "sent");
    if (target === undefined) return checked;
    const accepted = this.#host.accepts.get(target);
    if (!accepted) throw new EventRoutingError(this.#step.name, `ctx.sendEvent: there is no step "${target}"`);
    if (!accepted.has(checked.type)) {
      throw new EventRoutingError(this.#step.name, `ctx.sendEvent: step "${target}" does not accept "${checked.type}"`);
    }
    return checked;
  }

  writeEventToStream(event: AnyEvent): void {
    let checked: AnyEvent;
    try {
      checked = checkEventObject(event, "ctx.writeEventToStream");
    } catch (error) {
      throw fromCaller(error, proto.writeEventToStream);
    }
    const op = this.#op;
    if (this.#replaying()) return;
    this.#post({ type: internal.stream, id: this.#id, op, event: checked });
  }

  collectEvents(
    event: AnyEvent,
    expected: readonly AnyEventDef[] | Readonly<Record<string, number>>,
  ): AnyEvent[] | null {
    const spec = toCollectSpec(expected);
    const op = this.#op;
    if (!this.#replaying()) this.#post({ type: internal.collect, id: this.#id, op, event, spec });
    const result = (this.#invocation()?.journal[op] as AnyEvent[] | null | undefined) ?? null;
    if (result && this.#observer?.collected) this.#observer.collected(result.map((e) => e.type));
    return result;
  }

  async waitForEvent(def: AnyEventDef, options: WaitOptions<AnyEvent> = {}): Promise<AnyEvent> {
    const op = this.#op;
    const where = options.where;
    const predicate = typeof where === "function" ? (where as (e: AnyEvent) => boolean) : undefined;
    const replayed = this.#replaying();
    if (replayed) {
      const journaled = this.#invocation()?.journal[op] as AnyEvent | undefined;
      if (journaled) return journaled;
    }
    // A prompt is an event the step produces (and, an InputRequiredEvent, what makes the `human`
    // region wait): its `emits` must declare it, as for events it returns or sends.
    let prompt: AnyEvent | undefined;
    try {
      prompt = options.prompt && !replayed ? checkEmitted(this.#step, options.prompt, "prompted with") : undefined;
    } catch (error) {
      throw fromCaller(error, proto.waitForEvent);
    }
    this.#observer?.waiting?.(def.type, prompt);
    // The local side first: an event held for this waiter resolves it while the wait is posted.
    const waiting = this.#host.wait(this.#id, op, predicate, this.signal);
    if (!replayed) {
      const match = where && typeof where === "object" ? (where as Record<string, unknown>) : undefined;
      const msg: FromStepMsg = {
        type: internal.wait,
        id: this.#id,
        op,
        eventType: def.type,
        predicate: predicate !== undefined,
        ...(match ? { match } : {}),
        ...(prompt ? { prompt } : {}),
      };
      this.#post(withPredicate(msg, predicate as WaitPredicate | undefined));
    }
    // A re-run (after a restore) hands its predicate back: events that came meanwhile are checked.
    if (replayed && predicate)
      this.#post(withPredicate({ type: internal.resumeWait, id: this.#id, op }, predicate as WaitPredicate));
    if (options.timeout === undefined) return waiting;
    let timer: Timer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimer(() => {
        this.#host.forget(this.#id, op);
        this.#post({ type: internal.unwait, id: this.#id, op });
        reject(new WaitTimeoutError(def.type, options.timeout as number));
      }, options.timeout as number);
    });
    try {
      return await Promise.race([waiting, timeout]);
    } finally {
      clearTimer(timer);
    }
  }

  [publishLive](event: AnyEvent): void {
    this.#post({ type: internal.publish, id: this.#id, event: checkEventObject(event, "stream") });
  }

  [modelCall]<T>(info: ModelCallInfo, call: (report: (result: ModelCallResult) => void) => Promise<T>): Promise<T> {
    const observer = this.#observer;
    return observer?.modelCall ? observer.modelCall(info, call) : call(ignoreReport);
  }

  async run<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (typeof name !== "string" || name.length === 0) throw new StepStateError(String(name), "ctx.run needs a name");
    const op = this.#op;
    // Ops are numbered when they start; a ctx.run journals its result at its own number when it
    // finishes, so concurrent runs, and runs that threw (a gap), keep every other op in place.
    const replaying = this.#replaying();
    const entry = this.#invocation()?.journal[op] as { name?: unknown; result?: T } | null | undefined;
    if (entry !== undefined) {
      if (entry?.name === name) return entry.result as T;
      throw new StepStateError(
        name,
        `ctx.run("${name}") is op ${op} of this step, but the journal has another op there: a step must make the same ctx calls, in the same order, when it re-runs`,
      );
    }
    void replaying; // not journaled (it threw, or never finished): run it
    // A runner that lost the run while it stalled must not start the effect again.
    await this.#host.confirmHold();
    const result = await fn();
    const problem = result === undefined ? null : findNonJson(result, "result", { allowUndefinedProperties: true });
    if (problem) throw new StepStateError(name, `ctx.run("${name}") must return JSON to be journaled: ${problem}`);
    const journaled = result === undefined ? undefined : (JSON.parse(JSON.stringify(result)) as T);
    this.#post({ type: internal.ran, id: this.#id, op, name, result: journaled });
    await this.#host.checkpoint();
    return journaled as T;
  }

  /**
   * Posts a ctx op, unless this attempt was aborted (timed out, cancelled, superseded by a retry):
   * code still running in an abandoned attempt must not write into the attempt that replaced it.
   */
  #post(msg: Parameters<StepContextHost["send"]>[0]): void {
    if (!this.#aborted) this.#host.send(msg);
  }

  #invocation(): Invocation | undefined {
    return invocationOf(this.#host.context().inflight, this.#id);
  }

  /** Takes the next op number; true when that op was already applied (replay). */
  #replaying(): boolean {
    const op = this.#op++;
    return op < (this.#invocation()?.ops ?? 0);
  }

  #checkState(key: string, value: unknown): void {
    if (typeof key !== "string" || key.length === 0)
      throw new StepStateError(String(key), "State keys must be non-empty strings");
    if (isForbiddenKey(key)) throw new StepStateError(key, `State key "${key}" is forbidden (prototype pollution)`);
    const problem = findNonJson(value, key);
    if (problem) throw new StepStateError(key, `State key "${key}" must hold JSON: ${problem}`);
    const schema = this.#host.stateSchema;
    if (!schema) return;
    const field = (schema.shape as Record<string, z.ZodType | undefined>)[key];
    if (!field) throw new StepStateError(key, `State key "${key}" is not declared in the workflow's \`state\` schema`);
    const result = field.safeParse(value);
    if (!result.success) {
      const issues = result.error.issues.map((i) => `${[key, ...i.path.map(String)].join(".")}: ${i.message}`);
      throw new StepStateError(key, `State key "${key}" does not match the \`state\` schema: ${issues.join("; ")}`);
    }
  }

  #checkEmitted(event: AnyEvent, verb: "sent" | "returned"): AnyEvent {
    return checkEmitted(this.#step, event, verb);
  }
}

/** The methods a step calls: an error their checks make starts its stack at the step's call. */
const proto = StepContextImpl.prototype;

function ignoreReport(): void {}
