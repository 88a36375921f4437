/**
 * zod is a peer dependency: the app's own zod is the one stepchart uses. These tests install the
 * packed tarball in throwaway apps, one on zod 3.25 (this repository's `zod3` alias) and one on
 * zod 4, and run workflows there in Node: schemas from `zod/v4` work on both (stepchart imports
 * `zod/v4`, which is zod 4 itself on zod 4), and zod 3's own schemas are refused where the event
 * or workflow is defined, with the fix named, instead of failing inside zod at the first run.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appWith, type Packed, packTarball, runModule, typecheck } from "./packed-app.js";

let packed: Packed;
beforeAll(() => {
  packed = packTarball();
}, 60_000);
afterAll(() => packed?.dispose());

/** The other modules both apps link: the required peer, those the server and testing use, Node's types. */
const peers = { xstate: "xstate", hono: "hono", "@xstate/graph": "@xstate/graph", "@types/node": "@types/node" };

const zodVersion = (home: string) =>
  (JSON.parse(readFileSync(join(home, "node_modules", "zod", "package.json"), "utf8")) as { version: string }).version;

/**
 * A workflow whose every schema comes from `zodImport` (typed start, stop and state, an event),
 * run, given a bad input, tested along its model's paths and described by the server: the last
 * two use the schemas' JSON Schema.
 */
const workflowApp = (zodImport: string) => `
  import { z } from "${zodImport}";
  import { defineEvent, startEvent, stopEvent, workflow } from "stepchart";
  import { createWorkflowTestModel } from "stepchart/testing";
  import { createServer } from "stepchart/server";

  const Query = startEvent({ q: z.string(), topK: z.number().default(2) });
  const Found = defineEvent("Found", z.object({ hits: z.array(z.string()) }));
  const Answer = stopEvent(z.object({ text: z.string(), searches: z.number() }));
  const wf = workflow({ name: "qa", start: Query, stop: Answer, state: z.object({ searches: z.number().default(0) }) })
    .step("search", { accepts: Query, emits: [Found] }, async (ctx, ev) => {
      ctx.update("searches", (n) => n + 1);
      return Found({ hits: Array.from({ length: ev.topK }, (_, i) => ev.q + "-" + i) });
    })
    .step("answer", { accepts: Found, emits: [Answer] }, async (ctx, ev) =>
      Answer({ result: { text: ev.hits.join(","), searches: ctx.get("searches") } }),
    );

  const result = await wf.run({ q: "cats" });
  const invalid = await Promise.resolve()
    .then(() => wf.run({ q: 1 }))
    .catch((error) => ({ code: error.code, issues: error.issues }));
  // Generates each event's fields from its JSON Schema (z.toJSONSchema, io "input").
  const model = await createWorkflowTestModel(wf).testAllPaths();
  const app = createServer({ workflows: { qa: wf } });
  const schema = await (await app.fetch(new Request("http://127.0.0.1/workflows/qa/schema"))).json();
  const paths = { passed: model.passed.length, failed: model.failed.map((f) => f.error.message) };
  console.log(JSON.stringify({ result, invalid, paths, start: schema.start.properties }));
`;

const completed = {
  result: { text: "cats-0,cats-1", searches: 1 },
  invalid: { code: "EVENT_VALIDATION", issues: [{ path: "q", message: expect.stringMatching(/string/) }] },
  paths: { passed: 1, failed: [] },
  start: { q: { type: "string" }, topK: { type: "number", default: 2 } },
};

describe("an app on zod 3.25, with the packed tarball", () => {
  let home: string;
  beforeAll(() => {
    home = appWith(packed, "zod3-app", { zod: "zod3", ...peers });
  });

  it("is on zod 3", () => {
    expect(zodVersion(home)).toMatch(/^3\.25\./);
  });

  it('runs a workflow whose schemas come from "zod/v4": events, state, validation and JSON Schema', () => {
    expect(runModule(home, workflowApp("zod/v4"))).toEqual(completed);
  });

  it('refuses zod 3 schemas where they are defined, with a WorkflowError that names "zod/v4"', () => {
    const code = `
      import { z } from "zod";
      import { defineEvent, StartEvent, startEvent, StopEvent, stopEvent, workflow } from "stepchart";
      const attempt = (define) => {
        try {
          define();
          return "defined";
        } catch (error) {
          return { name: error.name, code: error.code, message: error.message };
        }
      };
      console.log(JSON.stringify({
        shape: attempt(() => defineEvent("Query", { q: z.string(), topK: z.number() })),
        object: attempt(() => defineEvent("Query", z.object({ q: z.string() }))),
        start: attempt(() => startEvent({ q: z.string() })),
        stop: attempt(() => stopEvent(z.string())),
        state: attempt(() =>
          workflow({ name: "w", state: z.object({ n: z.number() }) })
            .step("a", { accepts: StartEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 })),
        ),
      }));
    `;
    const fix =
      'stepchart takes zod 4 schemas: on zod 3.25 or later write `import { z } from "zod/v4"`, or upgrade to zod 4 (`npm install zod@4`)';
    const refused = (message: string) => ({ name: "WorkflowValidationError", code: "WORKFLOW_VALIDATION", message });
    expect(runModule(home, code)).toEqual({
      shape: refused(
        `Cannot define event "Query":\n  - field "q" is a zod 3 schema; ${fix}\n  - field "topK" is a zod 3 schema`,
      ),
      object: refused(`Cannot define event "Query":\n  - its fields are a zod 3 schema; ${fix}`),
      start: refused(`Cannot define the start event:\n  - field "q" is a zod 3 schema; ${fix}`),
      stop: refused(`Cannot define the stop event:\n  - its result schema is a zod 3 schema; ${fix}`),
      state: refused(`Invalid workflow options:\n  - option \`state\` is a zod 3 schema; ${fix}`),
    });
  });

  it('type-checks an app with "zod/v4" schemas against the shipped declarations (and zod\'s, skipLibCheck off)', () => {
    const app = `
      import { z } from "zod/v4";
      import { defineEvent, startEvent, stopEvent, workflow, type EventOf } from "stepchart";
      const Query = startEvent({ q: z.string(), topK: z.number().default(2) });
      const Found = defineEvent("Found", { hits: z.array(z.string()) });
      type Found = EventOf<typeof Found>;
      const Answer = stopEvent(z.object({ text: z.string() }));
      export const wf = workflow({ name: "qa", start: Query, stop: Answer, state: z.object({ n: z.number().default(0) }) })
        .step("search", { accepts: Query, emits: [Found] }, async (ctx, ev): Promise<Found> => {
          ctx.update("n", (n) => (n ?? 0) + ev.topK);
          return Found({ hits: [ev.q] });
        })
        .step("answer", { accepts: Found, emits: [Answer] }, async (_ctx, ev) => Answer({ result: { text: ev.hits.join() } }));
      export const text: string = (await wf.run({ q: "cats" })).text;
    `;
    expect(typecheck(home, app)).toEqual({ status: 0, output: "" });
  }, 60_000);
});

describe("an app on zod 4, with the packed tarball", () => {
  let home: string;
  beforeAll(() => {
    home = appWith(packed, "zod4-app", { zod: "zod", ...peers });
  });

  it('runs the same workflow with schemas from "zod" and from "zod/v4" (one module on zod 4)', () => {
    expect(zodVersion(home)).toMatch(/^4\./);
    expect(runModule(home, workflowApp("zod"))).toEqual(completed);
    expect(runModule(home, workflowApp("zod/v4"))).toEqual(completed);
  });
});
