import { WorkflowError } from "../errors.js";

/**
 * A command line that cannot be carried out as given (an unknown workflow, bad JSON, a store URL
 * stepchart does not know): the CLI prints its message and exits 64.
 */
export class UsageError extends WorkflowError {
  constructor(message: string) {
    super("WORKFLOW_VALIDATION", message);
    this.name = "UsageError";
  }
}
