/**
 * The error family of stepchart. Every error the library throws or rejects with is a
 * {@link WorkflowError} subclass carrying a stable `code`, so callers can branch on
 * `err.code` (or `instanceof`) without parsing messages.
 *
 * @module
 */
import { framesOf, noteMade, restack } from "./internal/stack.js";

/**
 * Every stable error code a {@link WorkflowError} can carry.
 *
 * @example
 * ```ts
 * const transient: WorkflowErrorCode[] = ["STEP_TIMEOUT", "WAIT_TIMEOUT", "RUN_TIMEOUT"];
 * if (isWorkflowError(err) && transient.includes(err.code)) retryLater();
 * ```
 */
export type WorkflowErrorCode =
  | "EVENT_VALIDATION"
  | "WORKFLOW_VALIDATION"
  | "STATE"
  | "ROUTING"
  | "STEP_FAILED"
  | "STEP_TIMEOUT"
  | "STEP_INTERRUPTED"
  | "WAIT_TIMEOUT"
  | "RUN_TIMEOUT"
  | "CANCELLED"
  | "STALLED"
  | "WORKFLOW_STATE"
  | "SNAPSHOT"
  | "LLM"
  /** An optional peer package a feature needs is not installed (mermaid for HTML drawings). */
  | "MISSING_DEPENDENCY"
  /** A stream reader asked for items the run's retention window has already dropped. */
  | "STREAM_POSITION"
  /** A store cannot reach its database (a SQLite file in a directory that does not exist). */
  | "STORE";

const brand = Symbol.for("stepchart.error");

/**
 * Base class of every stepchart error.
 *
 * @example
 * ```ts
 * try {
 *   await wf.run({ query: "q" });
 * } catch (err) {
 *   if (isWorkflowError(err) && err.code === "RUN_TIMEOUT") retryLater();
 * }
 * ```
 */
export class WorkflowError extends Error {
  readonly code: WorkflowErrorCode;
  readonly [brand] = true;

  constructor(code: WorkflowErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    noteMade(this);
  }
}

/**
 * True for any stepchart error, even one created by another copy of the package.
 *
 * @example
 * ```ts
 * if (isWorkflowError(err)) console.error(err.code);
 * ```
 */
export function isWorkflowError(value: unknown): value is WorkflowError {
  if (typeof value !== "object" || value === null) return false;
  try {
    return (value as Record<symbol, unknown>)[brand] === true;
  } catch {
    return false; // a revoked Proxy
  }
}

/**
 * One problem found by a zod schema, reduced to what a message needs.
 *
 * @example
 * ```ts
 * try {
 *   Query({ q: 1 as never });
 * } catch (err) {
 *   if (err instanceof EventValidationError) for (const issue of err.issues) console.log(issue.path, issue.message);
 * }
 * ```
 */
export interface ValidationIssue {
  /** Dotted path of the offending field (`""` for the event itself). */
  readonly path: string;
  readonly message: string;
}

/**
 * An event payload does not match its schema, or an event type is not accepted here.
 *
 * @example
 * ```ts
 * try { RetrieveEvent({ query: 1 as never, nodes: [] }); } catch (err) {
 *   if (err instanceof EventValidationError) console.log(err.eventType, err.issues);
 * }
 * ```
 */
export class EventValidationError extends WorkflowError {
  readonly eventType: string;
  readonly issues: readonly ValidationIssue[];

  constructor(eventType: string, issues: readonly ValidationIssue[], message?: string) {
    super(
      "EVENT_VALIDATION",
      message ??
        `Invalid event "${eventType}": ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
    );
    this.eventType = eventType;
    this.issues = issues;
  }
}

/**
 * A workflow definition is inconsistent. Lists every problem at once.
 *
 * @example
 * ```ts
 * try { wf.validate(); } catch (err) {
 *   if (err instanceof WorkflowValidationError) for (const p of err.problems) console.log(p);
 * }
 * ```
 */
export class WorkflowValidationError extends WorkflowError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[], subject = "Workflow definition is invalid") {
    super("WORKFLOW_VALIDATION", `${subject}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/**
 * A step's misuse of the run's state (`ctx.get`/`ctx.set`/`ctx.update`: a missing key, a
 * non-JSON value, a forbidden key) or of its journal (`ctx.run`: no name, a non-JSON result, another
 * op than the journal has at that position). Not to be confused with {@link WorkflowStateError}:
 * an operation on a run in the wrong state (ended, loading, detached).
 *
 * @example
 * ```ts
 * ctx.set("when", new Date()); // throws StepStateError: state key "when" ...
 * ```
 */
export class StepStateError extends WorkflowError {
  readonly key: string;

  constructor(key: string, message: string) {
    super("STATE", message);
    this.key = key;
  }
}

/**
 * A step emitted or sent an event it did not declare, or targeted a step that cannot take it.
 *
 * @example
 * ```ts
 * ctx.sendEvent(Query({ q }), { step: "nope" }); // throws EventRoutingError
 * ```
 */
export class EventRoutingError extends WorkflowError {
  readonly step: string | null;

  constructor(step: string | null, message: string) {
    super("ROUTING", message);
    this.step = step;
  }
}

/**
 * A step failed and its retry policy gave up. `cause` is the step's own error.
 *
 * @example
 * ```ts
 * try { await handler; } catch (err) {
 *   if (err instanceof WorkflowStepError) console.log(err.step, err.attempts, err.cause);
 * }
 * ```
 */
export class WorkflowStepError extends WorkflowError {
  readonly step: string;
  readonly attempts: number;

  constructor(step: string, attempts: number, cause: unknown) {
    const after = attempts > 1 ? ` after ${attempts} attempts` : "";
    super("STEP_FAILED", `Step "${step}" failed${after}: ${reasonOf(step, cause)}`, { cause });
    this.step = step;
    this.attempts = attempts;
    // Made where the run noticed the failure (XState's action, stepchart's machine): its own frames
    // are none of the user's. The cause's are where it went wrong.
    restack(this, framesOf(cause));
  }
}

/**
 * Why a step failed, without repeating its name: the runtime's own errors about the step
 * (`Step "x" timed out after 10 ms`) start with it, and the message already does.
 */
function reasonOf(step: string, cause: unknown): string {
  const reason = errorInfo(cause).message;
  const named = `Step "${step}" `;
  return isWorkflowError(cause) && reason.startsWith(named) ? reason.slice(named.length) : reason;
}

/**
 * One attempt of a step ran longer than the step's `timeout` (retryable).
 *
 * @example
 * ```ts
 * const retry: RetryPolicy = { attempts: 3, delay: 100, retryIf: (err) => err instanceof StepTimeoutError };
 * ```
 */
export class StepTimeoutError extends WorkflowError {
  readonly step: string;
  readonly timeout: number;

  constructor(step: string, timeout: number) {
    super("STEP_TIMEOUT", `Step "${step}" timed out after ${timeout} ms`);
    this.step = step;
    this.timeout = timeout;
    restack(this, ""); // a timer noticed: no code of the user's was running
  }
}

/**
 * `ctx.waitForEvent` gave up waiting (retryable).
 *
 * @example
 * ```ts
 * await ctx.waitForEvent(HumanResponseEvent, { timeout: 60_000 }); // may throw WaitTimeoutError
 * ```
 */
export class WaitTimeoutError extends WorkflowError {
  readonly eventType: string;
  readonly timeout: number;

  constructor(eventType: string, timeout: number) {
    super("WAIT_TIMEOUT", `Timed out after ${timeout} ms waiting for "${eventType}"`);
    this.eventType = eventType;
    this.timeout = timeout;
    restack(this, ""); // a timer noticed: no code of the user's was running
  }
}

/**
 * The whole run exceeded the workflow's `timeout`.
 *
 * @example
 * ```ts
 * try {
 *   await rag.run({ query: "q" }); // rag: workflow({ name: "rag", timeout: 1_000 })
 * } catch (err) {
 *   if (err instanceof WorkflowTimeoutError) console.log(err.activeSteps); // the steps still running
 * }
 * ```
 */
export class WorkflowTimeoutError extends WorkflowError {
  readonly timeout: number;
  readonly activeSteps: readonly string[];
  /** The prompts that were waiting for a person when the time ran out (their `prefix`, or type). */
  readonly pendingInput: readonly string[];

  constructor(timeout: number, activeSteps: readonly string[], pendingInput: readonly string[] = []) {
    const active = activeSteps.length ? activeSteps.join(", ") : "none";
    const waiting = pendingInput.length
      ? `; waiting for input: ${pendingInput.map((p) => JSON.stringify(p)).join(", ")} (to stop the clock while a person answers, use \`timeout: { run: ${timeout}, whileWaiting: false }\`)`
      : "";
    super("RUN_TIMEOUT", `Workflow timed out after ${timeout} ms; active steps: ${active}${waiting}`);
    this.timeout = timeout;
    this.activeSteps = activeSteps;
    this.pendingInput = pendingInput;
    restack(this, ""); // a timer noticed: no code of the user's was running
  }
}

/**
 * A step with `onRestore: "fail"` was in flight when its run's snapshot was taken, so the restored
 * run fails instead of re-running it (the cause of the run's `WorkflowStepError`).
 *
 * @example
 * ```ts
 * const err = await wf.resume(snapshot).catch((e: unknown) => e);
 * if (err instanceof WorkflowStepError && err.cause instanceof StepInterruptedError) alertOperator(err.step);
 * ```
 */
export class StepInterruptedError extends WorkflowError {
  readonly step: string;

  constructor(step: string) {
    super(
      "STEP_INTERRUPTED",
      `Step "${step}" was in flight when the run was saved and has onRestore: "fail", so it is not re-run`,
    );
    this.step = step;
    restack(this, ""); // stepchart's machine noticed: no code of the user's was running
  }
}

/**
 * The run was cancelled with `handler.cancel()` or an aborted `signal`.
 *
 * @example
 * ```ts
 * handler.cancel();
 * await handler.catch((err) => err instanceof WorkflowCancelledError); // true
 * ```
 */
export class WorkflowCancelledError extends WorkflowError {
  constructor() {
    super("CANCELLED", "Workflow run was cancelled");
    restack(this, ""); // stepchart's machine noticed: no code of the user's was running
  }
}

/**
 * Nothing is running, queued, awaited or pending, and no StopEvent came: the run cannot progress.
 *
 * @example
 * ```ts
 * await handler.catch((err) => err instanceof WorkflowStalledError && err.lastEvents);
 * ```
 */
export class WorkflowStalledError extends WorkflowError {
  readonly lastEvents: readonly string[];

  constructor(lastEvents: readonly string[]) {
    super(
      "STALLED",
      `Workflow stalled: no step is running, nothing is queued or awaited, and no StopEvent was produced; last events: ${lastEvents.join(", ") || "none"}`,
    );
    this.lastEvents = lastEvents;
    restack(this, ""); // stepchart's machine noticed: no code of the user's was running
  }
}

/**
 * An operation does not fit the run's state: sending to a finished run, resuming a live one.
 *
 * @example
 * ```ts
 * await handler;
 * handler.sendEvent(HumanResponseEvent({ response: "late" })); // throws WorkflowStateError
 * ```
 */
export class WorkflowStateError extends WorkflowError {
  constructor(message: string) {
    super("WORKFLOW_STATE", message);
  }
}

/**
 * A snapshot cannot be restored: malformed, from another definition, tampered with, or finished.
 *
 * @example
 * ```ts
 * try { wf.resume(JSON.parse(text)); } catch (err) { if (err instanceof SnapshotError) report(err); }
 * ```
 */
export class SnapshotError extends WorkflowError {
  constructor(message: string) {
    super("SNAPSHOT", message);
  }
}

/**
 * `handler.streamEvents({ after })` asked for items that the run's retention window (the `retain`
 * run option) has already dropped. `start` is the oldest position still held.
 *
 * @example
 * ```ts
 * try {
 *   for await (const ev of handler.streamEvents({ after: saved })) show(ev);
 * } catch (err) {
 *   if (err instanceof StreamPositionError) resync(handler.snapshot(), err.start);
 * }
 * ```
 */
export class StreamPositionError extends WorkflowError {
  /** The first position the reader asked for. */
  readonly position: number;
  /** The oldest position the run still holds. */
  readonly start: number;

  /**
   * `why`: "retain" (the item fell out of the run's window), "lapped" (a reader that does not pin
   * items fell behind the window while it read), "resumed" (the item was published before the run
   * was resumed from a snapshot, which keeps positions but not items).
   */
  constructor(runId: string, position: number, start: number, why: "retain" | "lapped" | "resumed" = "retain") {
    super("STREAM_POSITION", positionMessage(runId, position, start, why));
    this.position = position;
    this.start = start;
  }
}

function positionMessage(runId: string, position: number, start: number, why: string): string {
  const run = `Run "${runId}" no longer holds stream position ${position}`;
  if (why === "resumed")
    return `${run}: a run's snapshot keeps stream positions, not items, so what it published before it was resumed or read back from its store is gone; items from ${start} on are held`;
  if (why === "lapped")
    return `${run}: the reader fell behind the run's \`retain\` window while it read; its oldest item is now ${start}`;
  return `${run}: it keeps its most recent items (the \`retain\` run option) and its oldest is now ${start}`;
}

/**
 * The `{ name, message }` record of an error, as it is kept in machine context and events.
 *
 * @example
 * ```ts
 * const last = ctx.attempt.lastError; // the previous attempt's ErrorInfo, if any
 * if (last?.code === "STEP_TIMEOUT") console.log(`${last.name}: ${last.message}`);
 * ```
 */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/**
 * @internal Reduces any thrown value to its JSON-safe description. Never throws: a step may throw
 * a null-prototype object, a revoked Proxy, or an error whose `message` getter throws.
 */
export function errorInfo(error: unknown): ErrorInfo {
  if (isWorkflowError(error)) return { name: error.name, message: error.message, code: error.code };
  const isError = attempt(() => error instanceof Error, false);
  if (isError) {
    const name = attempt(() => String((error as Error).name), "Error");
    return { name, message: attempt(() => String((error as Error).message), "(unreadable message)") };
  }
  return { name: "Error", message: describeValue(error) };
}

/** @internal A one-line description of any value, for messages; never throws. */
export function describeValue(value: unknown): string {
  if (typeof value === "string") return value;
  const text = attempt(() => String(value), undefined);
  if (text !== undefined) return text;
  const json = attempt(() => JSON.stringify(value), undefined);
  if (json !== undefined) return json;
  return attempt(() => Object.prototype.toString.call(value), "(a value that cannot be described)");
}

function attempt<T, F>(read: () => T, fallback: F): T | F {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/**
 * @deprecated Renamed {@link StepStateError} (beside `WorkflowStateError`, the old name misled).
 *
 * @example
 * ```ts
 * if (error instanceof StepStateError) console.error(error.key); // not StateError
 * ```
 */
export const StateError = StepStateError;
/** @deprecated Renamed {@link StepStateError}. */
export type StateError = StepStateError;
