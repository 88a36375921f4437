import { type EventValidationError, isWorkflowError, type ValidationIssue, type WorkflowErrorCode } from "../errors.js";

/**
 * The `code` of an error response: a WorkflowError's own code, or one the HTTP layer adds for what
 * no run raised (an unknown workflow or handler, a malformed request, a fault of the server
 * itself, a missing or wrong token, a body over the limit).
 */
export type ServerErrorCode =
  | WorkflowErrorCode
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "INTERNAL"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "PAYLOAD_TOO_LARGE";

/** The JSON body of every error response: never a stack trace. */
export interface ErrorBody {
  readonly code: ServerErrorCode;
  readonly message: string;
  /** The zod issues of an invalid event (`EVENT_VALIDATION`). */
  readonly issues?: readonly ValidationIssue[];
}

/** An error the API answers with a status of its choosing (404 unknown handler, 400 bad body). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ServerErrorCode;

  constructor(status: number, code: ServerErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, "NOT_FOUND", what);
export const badRequest = (why: string): ApiError => new ApiError(400, "BAD_REQUEST", why);

/** HTTP statuses of the WorkflowError codes a request can cause; any other is a 500. */
const statusOfCode: Partial<Record<WorkflowErrorCode, number>> = {
  EVENT_VALIDATION: 400,
  ROUTING: 400,
  // No request carries a snapshot: a SnapshotError comes from a stored record, the server's fault.
  WORKFLOW_STATE: 409,
  STREAM_POSITION: 410,
};

/**
 * Codes of faults on the server's side, whose messages are for its operator (a database's error,
 * a file path, a package to install): a response says what failed, not how.
 */
const operatorCodes: Partial<Record<WorkflowErrorCode, string>> = {
  STORE: "The server's run store failed; the run is unchanged",
  MISSING_DEPENDENCY: "The server is missing a package this feature needs",
};

/** The message a caller may see for an error: its own, or for the server's faults a fixed one. */
export function publicMessage(error: unknown): string {
  if (!isWorkflowError(error)) return "Internal server error";
  return operatorCodes[error.code] ?? error.message;
}

/**
 * The status and body an error is answered with. A WorkflowError keeps its code and its message
 * (written for callers), except the server's own faults (see `operatorCodes`); anything else is
 * an internal fault whose message may hold internals, so it is not sent.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: { code: error.code, message: error.message } };
  // By code, not class: a workflow from another copy of stepchart throws that copy's errors.
  if (isWorkflowError(error) && error.code === "EVENT_VALIDATION") {
    const { issues } = error as EventValidationError;
    return { status: 400, body: { code: error.code, message: error.message, ...(issues ? { issues } : {}) } };
  }
  if (isWorkflowError(error)) {
    return { status: statusOfCode[error.code] ?? 500, body: { code: error.code, message: publicMessage(error) } };
  }
  return { status: 500, body: { code: "INTERNAL", message: publicMessage(error) } };
}
