import type { Context, Hono } from "hono";
import { WorkflowStateError } from "../errors.js";
import { fromEnvelope } from "./envelope.js";
import { ApiError, badRequest } from "./errors.js";
import { eventStreamResponse, parseAfter } from "./event-stream.js";
import type { HandlerEntry } from "./registry.js";
import { jsonBody } from "./routes-workflows.js";
import { handlerWithId, type ServerState } from "./runs.js";

/** 200 with the Handler once the run has ended, 202 with it while it runs. */
const handlerStatus = (c: Context, entry: HandlerEntry) =>
  c.json(entry.toJson(), entry.status === "running" ? 202 : 200);

const flag = (value: string | undefined, fallback: boolean) =>
  value === undefined ? fallback : value === "true" || value === "1";

/** `/handlers`, `/results` and `/events`: the runs this server started. */
export function handlerRoutes(app: Hono, state: ServerState): void {
  app.get("/handlers", (c) => {
    const entries = state.registry.list({ status: c.req.queries("status"), workflow: c.req.queries("workflow_name") });
    return c.json({ handlers: entries.map((e) => e.toJson()) });
  });
  app.get("/handlers/:id", (c) => handlerStatus(c, handlerWithId(state, c.req.param("id"))));
  app.get("/results/:id", (c) => handlerStatus(c, handlerWithId(state, c.req.param("id"))));

  app.post("/handlers/:id/cancel", async (c) => {
    const entry = handlerWithId(state, c.req.param("id"));
    const purge = flag(c.req.query("purge"), false);
    if (entry.status !== "running" && !purge) {
      throw new WorkflowStateError(`Handler "${entry.id}" has ended (${entry.status}); there is nothing to cancel`);
    }
    entry.handler.cancel();
    await entry.done;
    if (!purge) return c.json({ status: "cancelled" });
    state.registry.delete(entry.id);
    await state.store?.delete(entry.id);
    return c.json({ status: "deleted" });
  });

  app.post("/events/:id", async (c) => {
    const entry = handlerWithId(state, c.req.param("id"));
    const body = await jsonBody(c);
    if (typeof body !== "object" || body === null || !("event" in body)) throw badRequest("The body needs an `event`");
    const { event, step } = body as { event: unknown; step?: unknown };
    if (step !== undefined) throw badRequest("`step` is not supported: events are routed by their type");
    const parsed = fromEnvelope(event);
    if (entry.status !== "running") {
      throw new ApiError(409, "WORKFLOW_STATE", `Handler "${entry.id}" has ended (${entry.status})`);
    }
    entry.handler.sendEvent(parsed as never);
    entry.touch();
    return c.json({ status: "sent" });
  });

  app.get("/events/:id", async (c) => {
    const entry = handlerWithId(state, c.req.param("id"));
    const sse = flag(c.req.query("sse"), true);
    const lastEventId = sse ? parseAfter(c.req.header("last-event-id"), "Last-Event-ID") : undefined;
    const after = lastEventId ?? parseAfter(c.req.query("after_sequence"), "after_sequence") ?? "now";
    return eventStreamResponse(entry, {
      sse,
      all: flag(c.req.query("include_internal"), false),
      qualified: flag(c.req.query("include_qualified_name"), false),
      after,
    });
  });
}
