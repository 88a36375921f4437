import { EventValidationError, isWorkflowError, type ValidationIssue, type WorkflowErrorCode } from "../errors.js";

/**
 * The `code` of an error response: a WorkflowError's own code, or one of the three the HTTP layer
 * adds for what no run raised (an unknown workflow or handler, a malformed request, a fault of
 * the server itself).
 */
export type ServerErrorCode =
  | WorkflowErrorCode
  | "NOT_FOUND"
  | "BAD_REQUEST"
  | "INTERNAL"
  | "UNAUTHORIZED"
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
  SNAPSHOT: 400,
  WORKFLOW_STATE: 409,
  STREAM_POSITION: 410,
};

/**
 * The status and body an error is answered with. A WorkflowError keeps its code and message (they
 * are written for callers); anything else is an internal fault whose message may hold internals,
 * so it is not sent.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: { code: error.code, message: error.message } };
  if (error instanceof EventValidationError) {
    return { status: 400, body: { code: error.code, message: error.message, issues: error.issues } };
  }
  if (isWorkflowError(error)) {
    return { status: statusOfCode[error.code] ?? 500, body: { code: error.code, message: error.message } };
  }
  return { status: 500, body: { code: "INTERNAL", message: "Internal server error" } };
}
