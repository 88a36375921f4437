import {
  WorkflowCancelledError,
  type WorkflowError,
  WorkflowStalledError,
  WorkflowStepError,
  WorkflowTimeoutError,
} from "../errors.js";
import type { Outcome } from "./context.js";

/** The error a finished-but-unsuccessful run ends its actor with; `cause` is the step's own error. */
export function errorOf(outcome: Outcome | null, cause: unknown): WorkflowError {
  switch (outcome?.status) {
    case "timedOut":
      return new WorkflowTimeoutError(outcome.timeout, outcome.activeSteps, outcome.pendingInput);
    case "failed":
      if (outcome.step === null) return new WorkflowStalledError(outcome.lastEvents ?? []);
      return new WorkflowStepError(
        outcome.step,
        outcome.attempts,
        cause ?? Object.assign(new Error(outcome.error.message), { name: outcome.error.name }),
      );
    default:
      return new WorkflowCancelledError();
  }
}
