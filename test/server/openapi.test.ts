import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approval } from "../../examples/human-approval.js";
import { createServer, type RunningServer, serve } from "../../src/server/index.js";
import { echo, ticker } from "./harness.js";

const app = createServer({ workflows: { echo, ticker, approval }, auth: { bearer: "s3cret" } });
let server: RunningServer;
let document: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

beforeAll(async () => {
  server = await serve(app, { port: 0 });
  const response = await fetch(`http://${server.host}:${server.port}/openapi.json`, {
    headers: { Authorization: "Bearer s3cret" },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("application/json");
  document = JSON.parse(await response.text());
});
afterAll(() => server.close());

/** `/events/:id` and `/events/{handler_id}` alike: the parameter names are each side's own. */
const shape = (path: string) => path.replace(/:[^/]+|\{[^}]+\}/g, "{}");

/** Every `$ref` in a value, wherever it is nested. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === "$ref" && typeof v === "string" ? [v] : refsIn(v)));
}

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document of exactly the routes the app answers", () => {
    expect(document.openapi).toBe("3.1.0");
    const served = app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${shape(r.path)}`)
      .sort();
    const documented = Object.entries(document.paths)
      .flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m.toUpperCase()} ${shape(path)}`))
      .sort();
    expect(documented).toEqual([...new Set(served)]);
    expect(served).toContain("GET /openapi.json");
  });

  it("names the served workflows as the enum of the `name` path parameter", () => {
    const components = document.components as { parameters: Record<string, { schema: { enum: string[] } }> };
    expect(components.parameters.name?.schema.enum).toEqual(["echo", "ticker", "approval"]);
    const run = document.paths["/workflows/{name}/run"]?.post as { parameters: { $ref: string }[] };
    expect(run.parameters).toEqual([{ $ref: "#/components/parameters/name" }]);
  });

  it("resolves every $ref, describes the error body, and requires the bearer token but on /health", () => {
    for (const ref of refsIn(document)) {
      const [, group, name] = ref.match(/^#\/components\/(\w+)\/(.+)$/) ?? [];
      const components = document.components as Record<string, Record<string, unknown>>;
      expect(components[group as string]?.[name as string], ref).toBeDefined();
    }
    const schemas = (document.components as { schemas: Record<string, { required?: string[] }> }).schemas;
    expect(schemas.Error?.required).toEqual(["code", "message"]);
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.paths["/health"]?.get).toMatchObject({ security: [] });
  });
});
