import type { Context, Hono } from "hono";
import { eventSchemas, representation, startStopSchemas } from "./describe.js";
import { badRequest } from "./errors.js";
import type { HandlerEntry } from "./registry.js";
import { type ServerState, startRun, workflowNamed } from "./runs.js";

/** A request's JSON body, or undefined when it has none; malformed JSON is a 400. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The body is not valid JSON");
  }
}

/** The Handler of a run that has ended, or the error its failure is answered with. */
function finished(c: Context, entry: HandlerEntry): Response {
  if (entry.status === "completed") return c.json(entry.toJson());
  const code = entry.errorCode ?? "STEP_FAILED";
  return c.json({ code, message: entry.error ?? "The run was cancelled", handler: entry.toJson() }, 500);
}

/** `/workflows` and `/workflows/{name}/…`: what is served, and starting runs. */
export function workflowRoutes(app: Hono, state: ServerState): void {
  app.get("/workflows", (c) => c.json({ workflows: Object.keys(state.workflows) }));
  app.get("/workflows/:name/schema", (c) =>
    c.json(startStopSchemas(workflowNamed(state, c.req.param("name")).definition)),
  );
  app.get("/workflows/:name/events", (c) => c.json(eventSchemas(workflowNamed(state, c.req.param("name")).definition)));
  app.get("/workflows/:name/representation", (c) =>
    c.json(representation(workflowNamed(state, c.req.param("name")).definition)),
  );
  app.post("/workflows/:name/run", async (c) => {
    const entry = await startRun(state, c.req.param("name"), await jsonBody(c));
    await entry.done;
    return finished(c, entry);
  });
  app.post("/workflows/:name/run-nowait", async (c) => {
    const entry = await startRun(state, c.req.param("name"), await jsonBody(c));
    return c.json(entry.toJson());
  });
}
