import {
  type ErrorInfo,
  errorInfo,
  WorkflowCancelledError,
  WorkflowError,
  type WorkflowErrorCode,
  WorkflowStalledError,
  WorkflowStepError,
  WorkflowTimeoutError,
} from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { restack } from "../internal/stack.js";
import type { Outcome } from "./context.js";

/**
 * How a run's end reads everywhere, in one place: the outcome kept in context (set by the
 * machine), the error its actor and handler end with, the terminal item of its stream, the status
 * of its snapshot and trace, and the StopEvent a completed run returns.
 */

/**
 * Where a run stands, as a snapshot records it. (`store.list()` adds `interrupted`: a running run
 * whose runner's lease expired.)
 *
 * @example
 * ```ts
 * if (handler.snapshot().status === "waiting") notifyReviewer(handler.pendingInput);
 * ```
 */
export type RunStatus = "running" | "waiting" | "completed" | "failed" | "cancelled" | "timedOut";

/**
 * The error a finished-but-unsuccessful run ends its actor with; `cause` is the step's own error
 * (undefined for a run read back from a store: its cause is rebuilt from the outcome's record).
 */
export function errorOf(outcome: Outcome | null, cause: unknown): WorkflowError {
  switch (outcome?.status) {
    case "timedOut":
      return new WorkflowTimeoutError(outcome.timeout, outcome.activeSteps, outcome.pendingInput);
    case "failed":
      if (outcome.step === null) return new WorkflowStalledError(outcome.lastEvents ?? []);
      return new WorkflowStepError(outcome.step, outcome.attempts, cause ?? recordedCause(outcome.error));
    default:
      return new WorkflowCancelledError();
  }
}

/**
 * A step's error as its run's record keeps it: name and message (and the code of a stepchart
 * error, which stays branchable on `code`). Its stack is its header only: the frames it had are
 * gone with the process that ran the step, and frames of this one would point into stepchart.
 */
function recordedCause({ name, message, code }: ErrorInfo): Error {
  const error = code ? new WorkflowError(code as WorkflowErrorCode, message) : new Error(message);
  error.name = name;
  restack(error, "");
  return error;
}

/** The StopEvent of a run that ended: the one it completed with, or an empty one. */
export function stopOf(outcome: Outcome | null): AnyEvent {
  return outcome?.status === "completed" ? outcome.stop : { type: "StopEvent", result: undefined };
}

/** The terminal stream item of a run that ended with `error` (timed out, cancelled or failed). */
export function terminalOf(error: unknown): AnyEvent {
  if (error instanceof WorkflowTimeoutError) {
    return { type: "WorkflowTimedOutEvent", timeout: error.timeout, activeSteps: [...error.activeSteps] };
  }
  if (error instanceof WorkflowCancelledError) return { type: "WorkflowCancelledEvent" };
  if (error instanceof WorkflowStepError) {
    return { type: "WorkflowFailedEvent", step: error.step, error: errorInfoOf(error.cause), attempts: error.attempts };
  }
  return { type: "WorkflowFailedEvent", step: null, error: errorInfoOf(error), attempts: 0 };
}

const statusOfTerminal: Readonly<Record<string, "failed" | "timedOut" | "cancelled">> = {
  WorkflowFailedEvent: "failed",
  WorkflowTimedOutEvent: "timedOut",
  WorkflowCancelledEvent: "cancelled",
};

/** The status of a run that ended with terminal stream item `terminal`. */
export function endStatusOf(terminal: AnyEvent): Exclude<RunStatus, "running" | "waiting"> {
  return statusOfTerminal[terminal.type] ?? "completed";
}

/**
 * The status of a run from its workflow actor's persisted state: its outcome once it has one, a
 * stopped or errored actor without one counts as cancelled, and an active run waits while a prompt
 * is pending.
 */
export function runStatusOf(machineStatus: string, outcome: Outcome | null, pending: number): RunStatus {
  if (outcome) return outcome.status;
  if (machineStatus === "done") return "completed";
  if (machineStatus === "error" || machineStatus === "stopped") return "cancelled";
  return pending > 0 ? "waiting" : "running";
}

function errorInfoOf(error: unknown): { name: string; message: string } {
  const { name, message } = errorInfo(error);
  return { name, message };
}
