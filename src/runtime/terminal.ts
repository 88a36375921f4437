import {
  errorInfo,
  WorkflowCancelledError,
  WorkflowStalledError,
  WorkflowStepError,
  WorkflowTimeoutError,
} from "../errors.js";
import type { AnyEvent } from "../events/types.js";

/** The terminal stream item of a run that ended with `error` (timed out, cancelled or failed). */
export function terminalOf(error: unknown): AnyEvent {
  if (error instanceof WorkflowTimeoutError) {
    return { type: "WorkflowTimedOutEvent", timeout: error.timeout, activeSteps: [...error.activeSteps] };
  }
  if (error instanceof WorkflowCancelledError) return { type: "WorkflowCancelledEvent" };
  if (error instanceof WorkflowStepError) {
    return { type: "WorkflowFailedEvent", step: error.step, error: errorInfoOf(error.cause), attempts: error.attempts };
  }
  if (error instanceof WorkflowStalledError) {
    return { type: "WorkflowFailedEvent", step: null, error: errorInfoOf(error), attempts: 0 };
  }
  return { type: "WorkflowFailedEvent", step: null, error: errorInfoOf(error), attempts: 0 };
}

function errorInfoOf(error: unknown): { name: string; message: string } {
  const { name, message } = errorInfo(error);
  return { name, message };
}
