/**
 * The OpenAPI 3.1 document of `GET /openapi.json`, written by hand after the types of
 * `@llamaindex/workflows-client` 1.8.5 (generated from the LlamaIndex server's own document) and
 * what this server answers beyond them: its JSON error body, 401 and 413.
 */

import {
  error,
  handlerStatus,
  type Json,
  json,
  object,
  parameters,
  ref,
  responses,
  schemas,
} from "./openapi-components.js";

const param = (name: string): Json => ({ $ref: `#/components/parameters/${name}` });
const query = (name: string, schema: Json, description: string): Json => ({
  name,
  in: "query",
  required: false,
  description,
  schema,
});
const body = (name: string): Json => ({ required: false, content: { "application/json": { schema: ref(name) } } });
const common = { "401": error("Unauthorized"), "500": error("Internal") };

function workflowPaths(): Json {
  const named = [param("name")];
  const run = (description: string, ok: Json, extra: Json = {}) => ({
    parameters: named,
    requestBody: body("RunRequest"),
    responses: {
      "200": ok,
      "400": error("BadRequest"),
      "404": error("NotFound"),
      "409": error("Conflict"),
      "413": error("PayloadTooLarge"),
      ...common,
      ...extra,
    },
    description,
  });
  return {
    "/workflows": {
      get: {
        responses: {
          "200": json(
            { type: "object", properties: { workflows: { type: "array", items: { type: "string" } } } },
            "The served workflows' names",
          ),
          ...common,
        },
      },
    },
    "/workflows/{name}/schema": {
      get: {
        parameters: named,
        responses: {
          "200": json(
            { type: "object", properties: { start: object, stop: object } },
            "JSON Schemas of the start and stop events",
          ),
          "404": error("NotFound"),
          ...common,
        },
      },
    },
    "/workflows/{name}/events": {
      get: {
        parameters: named,
        responses: {
          "200": json(
            { type: "object", properties: { events: { type: "array", items: object } } },
            "JSON Schema of every event type the workflow names",
          ),
          "404": error("NotFound"),
          ...common,
        },
      },
    },
    "/workflows/{name}/representation": {
      get: {
        parameters: named,
        responses: {
          "200": json(
            { type: "object", properties: { graph: object } },
            "The workflow as a graph of step and event nodes",
          ),
          "404": error("NotFound"),
          ...common,
        },
      },
    },
    "/workflows/{name}/run": {
      post: run("Starts a run and waits for its end", json(ref("Handler"), "The run completed"), {
        "500": json({ oneOf: [ref("FailedRun"), ref("Error")] }, "The run failed or was cancelled, or a server fault"),
      }),
    },
    "/workflows/{name}/run-nowait": {
      post: run("Starts a run", json(ref("Handler"), "The run started")),
    },
  };
}

function handlerPaths(): Json {
  const id = [param("handler_id")];
  const handler = {
    "200": json(ref("Handler"), "The run has ended"),
    "202": json(ref("Handler"), "The run is running"),
  };
  const envelope = { ...ref("EventEnvelope") };
  return {
    "/handlers": {
      get: {
        parameters: [
          query("status", { type: "array", items: handlerStatus }, "Keep these statuses (may repeat)"),
          query("workflow_name", { type: "array", items: { type: "string" } }, "Keep these workflows (may repeat)"),
        ],
        responses: {
          "200": json(
            { type: "object", properties: { handlers: { type: "array", items: ref("Handler") } } },
            "The handlers, in start order",
          ),
          ...common,
        },
      },
    },
    "/handlers/{handler_id}": {
      get: { parameters: id, responses: { ...handler, "404": error("NotFound"), ...common } },
    },
    "/results/{handler_id}": {
      get: { parameters: id, responses: { ...handler, "404": error("NotFound"), ...common } },
    },
    "/handlers/{handler_id}/cancel": {
      post: {
        parameters: [
          ...id,
          query("purge", { type: "boolean", default: false }, "Also forget the handler (and delete it from the store)"),
        ],
        responses: {
          "200": json(
            { type: "object", properties: { status: { type: "string", enum: ["cancelled", "deleted"] } } },
            "Cancelled, or deleted with purge",
          ),
          "404": error("NotFound"),
          "409": error("Conflict"),
          ...common,
        },
      },
    },
    "/events/{handler_id}": {
      get: {
        parameters: [
          ...id,
          query("sse", { type: "boolean", default: true }, "false: NDJSON, each line an envelope with its `sequence`"),
          query(
            "after_sequence",
            { oneOf: [{ type: "integer", minimum: -1 }, { const: "now" }], default: "now" },
            "Start after this position; -1 from the oldest item held; now: only new items. In SSE, Last-Event-ID takes priority",
          ),
          query(
            "include_internal",
            { type: "boolean", default: false },
            "Add step started/finished and the run's internal traffic",
          ),
          query("include_qualified_name", { type: "boolean", default: false }, "Add `qualified_name` to each envelope"),
          { name: "Last-Event-ID", in: "header", required: false, schema: { type: "string" } },
        ],
        responses: {
          "200": {
            description:
              "The run's events, each numbered with its stream position (SSE `id:`, NDJSON `sequence`); idle SSE streams carry `: keep-alive` comments",
            content: {
              "text/event-stream": { schema: envelope },
              "application/x-ndjson": {
                schema: { allOf: [envelope, { type: "object", properties: { sequence: { type: "integer" } } }] },
              },
            },
          },
          "204": { description: "The run has ended and nothing is left after the position" },
          "400": error("BadRequest"),
          "404": error("NotFound"),
          "410": error("Gone"),
          ...common,
        },
      },
      post: {
        parameters: id,
        requestBody: { ...body("SendEventRequest"), required: true },
        responses: {
          "200": json({ type: "object", properties: { status: { const: "sent" } } }, "Delivered to the run"),
          "400": error("BadRequest"),
          "404": error("NotFound"),
          "409": error("Conflict"),
          "413": error("PayloadTooLarge"),
          ...common,
        },
      },
    },
  };
}

/**
 * The document, with the served workflows' names as the enum of the `name` path parameter; with
 * `bearer`, every path but `/health` requires a bearer token.
 */
export function openApiDocument(workflowNames: readonly string[], options: { bearer?: boolean } = {}): Json {
  const plain = (description: string, schema: Json) => ({
    get: { responses: { "200": json(schema, description), ...common } },
  });
  return {
    openapi: "3.1.0",
    info: { title: "stepchart server (LlamaIndex Workflows server API)", version: "1.0.0" },
    paths: {
      "/health": {
        get: {
          security: [],
          responses: {
            "200": json({ type: "object", properties: { status: { const: "healthy" } } }, "The server is up"),
          },
        },
      },
      "/openapi.json": plain("This document", object),
      ...workflowPaths(),
      ...handlerPaths(),
    },
    components: {
      schemas: schemas(),
      responses: responses(),
      parameters: parameters(workflowNames),
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
    },
    security: options.bearer ? [{ bearer: [] }] : [],
  };
}
