import type { Context, Hono } from "hono";
import type { WorkflowStore } from "../persistence/store.js";
import { errorResponse, notFound } from "./errors.js";
import { honoModule } from "./peers.js";
import { HandlerRegistry } from "./registry.js";
import { handlerRoutes } from "./routes-handlers.js";
import { workflowRoutes } from "./routes-workflows.js";
import type { ServedWorkflows, ServerState } from "./runs.js";

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The workflows to serve, by the name clients use (`POST /workflows/{name}/run`). */
  readonly workflows: ServedWorkflows;
  /** Save every run in this store (see docs/persistence.md). */
  readonly store?: WorkflowStore;
}

/**
 * An HTTP server speaking the LlamaIndex Workflows server API, so `@llamaindex/workflows-client`
 * drives stepchart workflows. Returns a Hono app: a standard fetch handler (`app.fetch`) for
 * Node (see `serve`), Bun, Deno and edge runtimes.
 *
 * @example
 * ```ts
 * const app = createServer({ workflows: { approval } });
 * const server = await serve(app, { port: 8000 });
 * ```
 */
export function createServer(options: ServerOptions): Hono {
  const { Hono } = honoModule();
  const state: ServerState = { workflows: options.workflows, registry: new HandlerRegistry(), store: options.store };
  const app = new Hono();
  app.onError((error, c) => errorJson(c, error));
  app.notFound((c) => errorJson(c, notFound(`No route ${c.req.method} ${c.req.path}`)));
  app.get("/health", (c) => c.json({ status: "healthy" }));
  workflowRoutes(app, state);
  handlerRoutes(app, state);
  return app;
}

function errorJson(c: Context, error: unknown): Response {
  const { status, body } = errorResponse(error);
  return c.json(body, status as 400);
}
