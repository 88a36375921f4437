/** @internal The shared parts of the OpenAPI document (see openapi.ts): schemas, responses, parameters. */

export type Json = Record<string, unknown>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
export const json = (schema: Json, description: string): Json => ({
  description,
  content: { "application/json": { schema } },
});
export const error = (name: string): Json => ({ $ref: `#/components/responses/${name}` });
export const object: Json = { type: "object", additionalProperties: true };

export const handlerStatus: Json = { type: "string", enum: ["running", "completed", "failed", "cancelled"] };

/** The component schemas: the error body, the event envelope, the Handler, the request bodies. */
export function schemas(): Json {
  return {
    Error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: {
          type: "string",
          description:
            "Stable: a WorkflowError code (EVENT_VALIDATION, WORKFLOW_STATE, STREAM_POSITION, …) or NOT_FOUND, " +
            "BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, PAYLOAD_TOO_LARGE, INTERNAL",
        },
        message: { type: "string" },
        issues: { type: "array", items: object, description: "The zod issues of an EVENT_VALIDATION error" },
      },
    },
    EventEnvelope: {
      type: "object",
      required: ["type", "value"],
      properties: {
        type: { type: "string", description: "The event type" },
        value: { ...object, description: "The event's fields" },
        qualified_name: { type: "string", description: "The type again: stepchart events have no module path" },
      },
    },
    Handler: {
      type: "object",
      required: ["handler_id", "workflow_name", "status", "started_at"],
      properties: {
        handler_id: { type: "string" },
        workflow_name: { type: "string" },
        run_id: { type: ["string", "null"] },
        status: handlerStatus,
        started_at: { type: "string", format: "date-time" },
        updated_at: { type: ["string", "null"], format: "date-time" },
        completed_at: { type: ["string", "null"], format: "date-time" },
        error: { type: ["string", "null"] },
        result: { oneOf: [ref("EventEnvelope"), { type: "null" }], description: "The StopEvent, once completed" },
      },
    },
    RunRequest: {
      type: "object",
      properties: {
        start_event: { ...object, description: "The start event's fields" },
        handler_id: { type: "string", description: "The run id to use (a random UUID without it)" },
        context: { type: "object", maxProperties: 0, description: "Refused unless empty" },
        kwargs: { type: "object", maxProperties: 0, description: "Refused unless empty" },
      },
    },
    SendEventRequest: {
      type: "object",
      required: ["event"],
      properties: {
        event: {
          oneOf: [ref("EventEnvelope"), { type: "string" }, { ...object, required: ["type"] }],
          description: "An envelope, its JSON as a string, or a flat `{ type, ...fields }`",
        },
        step: { type: "string", description: "Refused: events are routed by their type" },
      },
    },
    FailedRun: {
      type: "object",
      required: ["code", "message", "handler"],
      properties: { code: { type: "string" }, message: { type: "string" }, handler: ref("Handler") },
    },
  };
}

/** The error responses, each with the JSON error body. */
export function responses(): Json {
  const errorBody = (description: string) => json(ref("Error"), description);
  return {
    BadRequest: errorBody("A malformed request, or an event the workflow refuses"),
    Unauthorized: {
      ...errorBody("Missing or invalid credentials"),
      headers: { "WWW-Authenticate": { schema: { type: "string", const: "Bearer" } } },
    },
    NotFound: errorBody("No such workflow, handler or route"),
    Conflict: errorBody("The handler has ended, or its id is taken"),
    Gone: errorBody("The stream position is no longer held (the run's retention window)"),
    PayloadTooLarge: errorBody("The request body is over the server's limit"),
    Internal: errorBody("A fault of the server; its details are not sent"),
  };
}

/** The path parameters; `name` lists the served workflows. */
export function parameters(workflowNames: readonly string[]): Json {
  return {
    name: {
      name: "name",
      in: "path",
      required: true,
      description: "A served workflow",
      schema: { type: "string", enum: [...workflowNames] },
    },
    handler_id: { name: "handler_id", in: "path", required: true, schema: { type: "string" } },
  };
}
