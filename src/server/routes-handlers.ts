import type { Context, Hono } from "hono";
import { WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { StoredRun } from "../persistence/store.js";
import { sendToStored, storedHandlerJson, storedHandlers, storedRun, takeStored, whenOpen } from "./durable.js";
import { fromEnvelope } from "./envelope.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import { eventStreamResponse, parseAfter } from "./event-stream.js";
import { rememberState } from "./lifecycle.js";
import type { HandlerEntry, HandlerJson } from "./registry.js";
import { jsonBody } from "./routes-workflows.js";
import { handlerWithId, type ServerState } from "./runs.js";
import { endedRunStream } from "./stored-stream.js";

/** 200 with the Handler once the run has ended, 202 with it while it runs. */
const handlerStatus = (c: Context, handler: HandlerJson) => c.json(handler, handler.status === "running" ? 202 : 200);

/** The Handler of a run held here, or else of a run in the store (404 for neither). */
async function handlerJsonWithId(state: ServerState, id: string): Promise<HandlerJson> {
  const entry = state.registry.get(id);
  if (entry) return entry.toJson();
  const stored = await storedRun(state, id);
  if (stored) return storedHandlerJson(state, stored);
  return handlerWithId(state, id).toJson(); // the 404
}

/**
 * The run a request names: held here (once open: one this server was loading may have been
 * another runner's), or taken from the store, or its record if it ended. 404 for none, 409 for a
 * run another process holds.
 */
async function entryOrRecord(state: ServerState, id: string): Promise<{ entry: HandlerEntry } | { ended: StoredRun }> {
  const held = state.registry.get(id);
  if (held) return whenOpen(state, held);
  return (await takeStored(state, id)) ?? { entry: handlerWithId(state, id) };
}

const keep = (values: readonly string[] | undefined, value: string) => !values?.length || values.includes(value);

/** The body of `POST /events/{id}`: the event it carries. */
async function eventOfBody(c: Context): Promise<AnyEvent> {
  const body = await jsonBody(c);
  if (typeof body !== "object" || body === null || !("event" in body)) throw badRequest("The body needs an `event`");
  const { event, step } = body as { event: unknown; step?: unknown };
  if (step !== undefined) throw badRequest("`step` is not supported: events are routed by their type");
  return fromEnvelope(event);
}

const flag = (value: string | undefined, fallback: boolean) =>
  value === undefined ? fallback : value === "true" || value === "1";

/**
 * `/handlers`, `/results` and `/events`: the runs this server holds and, with a store, the
 * store's other runs (see durable.ts).
 */
export function handlerRoutes(app: Hono, state: ServerState): void {
  rememberState(app, state);
  app.get("/handlers", async (c) => {
    const status = c.req.queries("status");
    const workflow = c.req.queries("workflow_name");
    const held = state.registry.list({ status, workflow }).map((e) => e.toJson());
    const stored = (await storedHandlers(state)).filter(
      (h) => keep(status, h.status) && keep(workflow, h.workflow_name),
    );
    return c.json({ handlers: [...held, ...stored] });
  });
  app.get("/handlers/:id", async (c) => handlerStatus(c, await handlerJsonWithId(state, c.req.param("id"))));
  app.get("/results/:id", async (c) => handlerStatus(c, await handlerJsonWithId(state, c.req.param("id"))));

  app.post("/handlers/:id/cancel", async (c) => {
    const id = c.req.param("id");
    const purge = flag(c.req.query("purge"), false);
    const taken = await entryOrRecord(state, id);
    if ("ended" in taken) {
      const { status } = taken.ended.snapshot;
      if (!purge) throw new WorkflowStateError(`Handler "${id}" has ended (${status}); there is nothing to cancel`);
      await state.store?.delete(id);
      return c.json({ status: "deleted" });
    }
    const { entry } = taken;
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
    const id = c.req.param("id");
    const event = await eventOfBody(c);
    // Held here (once open), else through the store; a run this server was still taking from the
    // store may turn out not to be its own, and then the store is asked again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const held = state.registry.get(id);
      if (held && ((await held.handler.loaded) || state.registry.get(id) === held)) {
        await held.handler.loaded;
        if (held.status !== "running") {
          throw new ApiError(409, "WORKFLOW_STATE", `Handler "${held.id}" has ended (${held.status})`);
        }
        held.handler.sendEvent(event as never);
        held.touch();
        return c.json({ status: "sent" });
      }
      if (held) continue;
      const stored = await storedRun(state, id);
      if (!stored) break;
      await sendToStored(state, stored, event);
      return c.json({ status: "sent" });
    }
    throw notFound(`No handler "${id}"`);
  });

  app.get("/events/:id", async (c) => {
    const id = c.req.param("id");
    const sse = flag(c.req.query("sse"), true);
    const lastEventId = sse ? parseAfter(c.req.header("last-event-id"), "Last-Event-ID") : undefined;
    const after = lastEventId ?? parseAfter(c.req.query("after_sequence"), "after_sequence") ?? "now";
    const request = {
      sse,
      all: flag(c.req.query("include_internal"), false),
      qualified: flag(c.req.query("include_qualified_name"), false),
      after,
    };
    // A stored run not held here: resumed here when free (its positions continue), else its record.
    const taken = await entryOrRecord(state, id);
    if ("ended" in taken) return endedRunStream(taken.ended, request);
    return eventStreamResponse(taken.entry, request);
  });
}
