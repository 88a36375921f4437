import type { WorkflowStore } from "../../persistence/store.js";
import { createServer, runSnapshot, type ServedWorkflow } from "../../server/index.js";
import { devPage } from "./page.js";
import { devScript } from "./script.js";
import { devStyles } from "./styles.js";

/** A workflow the dev page serves: what the server runs, and the drawing of its machine. */
export interface DevWorkflow extends ServedWorkflow {
  toStatechart(): { readonly config: unknown };
}

/** Options of {@link createDevApp}. */
export interface DevAppOptions {
  /** The workflows, by the name the page and the API use. */
  readonly workflows: Readonly<Record<string, DevWorkflow>>;
  /** Keep the runs in this store, so the page lists runs of earlier sessions too. */
  readonly store?: WorkflowStore;
  /** `ctx.resources` of every run the page starts. */
  readonly resources?: Readonly<Record<string, unknown>>;
  /** Each error the API answers with a 5xx (its response says no more than its code). */
  readonly onError?: (error: unknown, request: Request) => void;
  /** The host names the page may be reached by (see createServer's `hosts`); default: any. */
  readonly hosts?: readonly string[];
}

/** The app `createServer` returns (named without importing hono: only src/server/ does). */
export type DevApp = ReturnType<typeof createServer>;

/**
 * The page may load what this origin serves and nothing else: no CDN, no inline script, and no
 * framing. Set on the page and its assets, not on the API.
 */
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const asset = (type: string) => ({
  "Content-Type": `${type}; charset=utf-8`,
  "Content-Security-Policy": contentSecurityPolicy,
  "Cache-Control": "no-store",
});

/**
 * The `stepchart dev` app: the server's API (`createServer`) with the page on the same origin, so
 * the page needs no CORS. `GET /` is the page, `/dev/*` its script, styles and the drawing of each
 * workflow's statechart (`toStatechart()`'s config, plain JSON) and each run's state (its `ctx`
 * state, status and active states, from the live handler or the store).
 */
export function createDevApp(options: DevAppOptions): DevApp {
  const app = createServer({
    workflows: options.workflows,
    ...(options.store ? { store: options.store } : {}),
    ...(options.resources ? { resources: options.resources } : {}),
    ...(options.onError ? { onError: options.onError } : {}),
    ...(options.hosts ? { hosts: options.hosts } : {}),
  });
  const page = devPage();
  const script = devScript();
  const styles = devStyles();
  app.get("/", (c) => c.body(page, 200, asset("text/html")));
  app.get("/dev/app.js", (c) => c.body(script, 200, asset("text/javascript")));
  app.get("/dev/app.css", (c) => c.body(styles, 200, asset("text/css")));
  app.get("/dev/statechart/:name", (c) => {
    const name = c.req.param("name");
    const wf = Object.hasOwn(options.workflows, name) ? options.workflows[name] : undefined;
    if (!wf) return c.json({ code: "NOT_FOUND", message: `No workflow named "${name}" is served` }, 404);
    return c.json({
      name,
      workflow: wf.definition.name,
      stop: wf.definition.stop.type,
      statechart: wf.toStatechart().config,
    });
  });
  app.get("/dev/runs/:id/state", async (c) => {
    const id = c.req.param("id");
    const snapshot = await runSnapshot(app, id);
    if (!snapshot) return c.json({ code: "NOT_FOUND", message: `No run "${id}" is known here` }, 404);
    return c.json({
      status: snapshot.status,
      active: activeStates(snapshot.machine.value),
      state: snapshot.machine.context.state,
    });
  });
  return app;
}

/**
 * The statechart's states that are doing something, as "region.state" paths: a running step, the
 * human region waiting. Idle regions are left out, so the list reads as what the run is busy with.
 */
export function activeStates(value: unknown, path = ""): string[] {
  if (typeof value === "string") return value === "idle" ? [] : [path ? `${path}.${value}` : value];
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    // The run's top state ("running") frames every region: leave it out of the paths.
    const prefix = path === "" && key === "running" ? "" : path ? `${path}.${key}` : key;
    return activeStates(inner, prefix);
  });
}
