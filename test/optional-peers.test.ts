/**
 * `openai` (stepchart/openai), `@xstate/graph` (stepchart/testing), `mermaid` and
 * `@statelyai/inspect` (stepchart/inspect) are optional peers. These tests build the package as it
 * ships (tsup, the project's own config, into a temporary directory), install it in a temporary
 * `node_modules` beside its two dependencies, with or without the peers, and use its entry points
 * from a real Node process. (The stores' drivers: test/persistence/optional-peers.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app as appIn, buildPackage, runIn } from "./support/built-package.js";

let built: { dir: string; dispose(): void };
afterAll(() => built?.dispose());
const app = (name: string, deps: string[]) => appIn(built.dir, name, deps);

/** Runs `use` after `imports`, and prints what it returned, or the error it threw. */
const attempt = (imports: string, use: string) => `
  import { isWorkflowError, workflow, StartEvent, StopEvent } from "stepchart";
  ${imports}
  const wf = workflow({ name: "w" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
  try {
    console.log(JSON.stringify({ ok: await (async () => { ${use} })() }));
  } catch (error) {
    console.log(JSON.stringify({ workflowError: isWorkflowError(error), code: error.code, message: error.message }));
  }`;

beforeAll(async () => {
  built = await buildPackage();
}, 60_000);

describe("optional peers, in the built package", () => {
  it("without openai, stepchart/openai loads and createLLM names the package and its install command", () => {
    const home = app("no-openai", []);
    const code = attempt(
      `import { createLLM, TokenEvent, LLMError } from "stepchart/openai";`,
      `if (TokenEvent({ delta: "x" }).type !== "TokenEvent" || typeof LLMError !== "function") return "broken";
       return createLLM({ model: "m" }).model;`,
    );
    expect(runIn(home, code)).toEqual({
      workflowError: true,
      code: "MISSING_DEPENDENCY",
      message:
        'stepchart/openai (createLLM) needs the "openai" package, which is not installed: install it with `npm install openai@6`',
    });
  });

  it("without @xstate/graph, stepchart/testing loads and createWorkflowTestModel names the package", () => {
    const home = app("no-graph", []);
    const code = attempt(
      `import { createWorkflowTestModel, coverageOf } from "stepchart/testing";`,
      `if (typeof coverageOf !== "function") return "broken";
       return createWorkflowTestModel(wf).paths.length;`,
    );
    expect(runIn(home, code)).toEqual({
      workflowError: true,
      code: "MISSING_DEPENDENCY",
      message:
        'stepchart/testing (createWorkflowTestModel) needs the "@xstate/graph" package, which is not installed: install it with `npm install --save-dev @xstate/graph@3`',
    });
  });

  it("without @statelyai/inspect or mermaid, stepchart/inspect traces and draws Mermaid text; HTML names mermaid", () => {
    const home = app("no-inspect", []);
    const traced = attempt(
      `import { statelyInspector, toMermaid, traceRun } from "stepchart/inspect";`,
      `const events = [];
       const bridge = statelyInspector({ inspector: { inspect: { next: (e) => events.push(e.type) } } });
       const handler = wf.run({}, { inspect: bridge.inspect });
       await handler;
       return { mermaid: toMermaid(wf).startsWith("flowchart TD"), trace: traceRun(handler).at(-1).kind, inspected: events.length > 0 };`,
    );
    expect(runIn(home, traced)).toEqual({ ok: { mermaid: true, trace: "run.ended", inspected: true } });
    const drawn = attempt(
      `import { drawAllPossibleFlows } from "stepchart/inspect";`,
      `return await drawAllPossibleFlows(wf, "flow.html");`,
    );
    expect(runIn(home, drawn)).toMatchObject({ workflowError: true, code: "MISSING_DEPENDENCY" });
  });

  it("with the peers installed, the built entry points load and use them", () => {
    const home = app("full", ["openai", "@xstate/graph"]);
    const llm = attempt(
      `import { createLLM } from "stepchart/openai";`,
      `return createLLM({ model: "m", apiKey: "k" }).client.baseURL;`,
    );
    expect(runIn(home, llm)).toEqual({ ok: "https://api.openai.com/v1" });
    const model = attempt(
      `import { createWorkflowTestModel } from "stepchart/testing";`,
      `const model = createWorkflowTestModel(wf);
       await model.paths[0].test();
       return model.paths.map((p) => p.description);`,
    );
    expect(runIn(home, model)).toEqual({ ok: ["StartEvent → a/StopEvent"] });
  });
});
