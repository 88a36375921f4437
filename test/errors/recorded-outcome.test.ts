/**
 * A failed run read back from its record (a store, the server's run list) has no live cause: the
 * error rebuilt from the outcome reads like the live one, and points at no frame of stepchart.
 */
import { describe, expect, it } from "vitest";
import { isWorkflowError, WorkflowStepError } from "../../src/index.js";
import { errorOf } from "../../src/kernel/outcome.js";

describe("errorOf a recorded outcome", () => {
  it("rebuilds the step's error from its name and message, with no frames", () => {
    const error = errorOf(
      { status: "failed", step: "fetch", attempts: 2, error: { name: "TypeError", message: "x is not a function" } },
      undefined,
    ) as WorkflowStepError;
    expect(error).toBeInstanceOf(WorkflowStepError);
    expect(error.message).toBe('Step "fetch" failed after 2 attempts: x is not a function');
    expect(error.stack).toBe(`WorkflowStepError: ${error.message}`);
    const cause = error.cause as Error;
    expect([cause.name, cause.message, cause.stack]).toEqual([
      "TypeError",
      "x is not a function",
      "TypeError: x is not a function",
    ]);
  });

  it("keeps the code of stepchart's own error, and names the step once", () => {
    const error = errorOf(
      {
        status: "failed",
        step: "slow",
        attempts: 1,
        error: { name: "StepTimeoutError", message: 'Step "slow" timed out after 10 ms', code: "STEP_TIMEOUT" },
      },
      undefined,
    ) as WorkflowStepError;
    expect(error.message).toBe('Step "slow" failed: timed out after 10 ms');
    expect(isWorkflowError(error.cause) && error.cause.code).toBe("STEP_TIMEOUT");
    expect((error.cause as Error).name).toBe("StepTimeoutError");
  });
});
