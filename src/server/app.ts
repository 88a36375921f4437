import type { Context, Hono } from "hono";
import type { Instrumentation } from "../execution/instrument.js";
import type { WorkflowStore } from "../persistence/store.js";
import { type RetainOptions, retainedItems } from "../runtime/retention.js";
import { type AuthOption, authMiddleware } from "./auth.js";
import { type CorsOptions, corsMiddleware } from "./cors.js";
import { errorResponse, notFound } from "./errors.js";
import { defaultHeartbeatMs, heartbeatMiddleware } from "./heartbeat.js";
import { bodyLimitMiddleware, endedRunsLimit, type LimitsOption } from "./limits.js";
import { openApiDocument } from "./openapi.js";
import { originMiddleware } from "./origin.js";
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
  /**
   * Who may call: a hook `(request) => boolean`, or `{ bearer: token | tokens }`. Others get a
   * 401 `UNAUTHORIZED`; `GET /health` stays open. Default: none, so keep the server on 127.0.0.1
   * (what `serve` binds unless told otherwise) or behind something that authenticates.
   */
  readonly auth?: AuthOption;
  /**
   * Answer browsers from other origins: Hono's `cors()` options (`{}` allows any origin). Default:
   * off, and then a request that changes something (POST) from a page of another site is refused.
   */
  readonly cors?: CorsOptions;
  /**
   * The host names requests may name (`Host`); others are a 403 `FORBIDDEN`. Set it for a server
   * on 127.0.0.1 (`loopbackHosts`) so a DNS-rebound name cannot reach it. Default: any.
   */
  readonly hosts?: readonly string[];
  /**
   * Limits: `bodyBytes` (default 1 MiB; a larger body is a 413 `PAYLOAD_TOO_LARGE`), `endedRuns`
   * (ended runs kept in memory, default 1,000; older ones are read from the store, or forgotten).
   */
  readonly limits?: LimitsOption;
  /**
   * How many recent items each run's stream keeps (the `retain` run option): the most a run holds
   * for its readers. A client that falls further behind has its stream ended, and reconnecting
   * from its last position is a 410 `STREAM_POSITION`. @default { items: 10_000 }
   */
  readonly retain?: RetainOptions;
  /**
   * `ctx.resources` of every run the server starts or resumes (merged over each workflow's own):
   * an index, a model client, a database pool. Resources are not part of a stored run, so a run
   * resumed after a restart gets them from here again.
   */
  readonly resources?: Readonly<Record<string, unknown>>;
  /**
   * Observes every run the server starts or resumes (the `instrument` run option): `otelTracing()`
   * of `stepchart/telemetry` gives each a span, under the span current where the request is handled.
   */
  readonly instrument?: Instrumentation;
  /**
   * Called with every error answered with a 5xx (a store that is down, a bug), before the response
   * is sent: responses carry a code and a fixed message, so this is where an operator logs the
   * error itself. What it throws is ignored.
   *
   * @example
   * ```ts
   * createServer({ workflows, store, onError: (error, request) => logger.error({ error, url: request.url }) });
   * ```
   */
  readonly onError?: (error: unknown, request: Request) => void;
  /** An idle SSE stream gets a `: keep-alive` comment this often, in ms; 0 for none. @default 15000 */
  readonly heartbeatMs?: number;
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
  retainedItems(options.retain); // a bad window is the operator's mistake, told now, not per run
  const state: ServerState = {
    workflows: options.workflows,
    registry: new HandlerRegistry(endedRunsLimit(options.limits)),
    store: options.store,
    retain: options.retain,
    resources: options.resources,
    instrument: options.instrument,
    closed: false,
    looking: new Set(),
  };
  const app = new Hono();
  app.onError((error, c) => {
    const response = errorJson(c, error);
    if (response.status >= 500 && options.onError) {
      try {
        options.onError(error, c.req.raw);
      } catch {
        // an operator's logger must not turn an error response into another fault
      }
    }
    return response;
  });
  app.notFound((c) => errorJson(c, notFound(`No route ${c.req.method} ${c.req.path}`)));
  // CORS first: a preflight carries no credentials, and a 401 needs its headers to be readable.
  if (options.cors) app.use("*", corsMiddleware(options.cors));
  app.use("*", originMiddleware({ cors: options.cors !== undefined, hosts: options.hosts }));
  if (options.auth) app.use("*", authMiddleware(options.auth));
  app.use("*", bodyLimitMiddleware(options.limits));
  app.use("*", heartbeatMiddleware(options.heartbeatMs ?? defaultHeartbeatMs));
  app.get("/health", (c) => c.json({ status: "healthy" }));
  const document = openApiDocument(Object.keys(options.workflows), {
    bearer: typeof options.auth === "object" && options.auth !== null,
  });
  app.get("/openapi.json", (c) => c.json(document));
  workflowRoutes(app, state);
  handlerRoutes(app, state);
  return app;
}

function errorJson(c: Context, error: unknown): Response {
  const { status, body } = errorResponse(error);
  return c.json(body, status as 400);
}
