/**
 * `openai` (stepchart/openai), `@xstate/graph` (stepchart/testing), `mermaid` and
 * `@statelyai/inspect` (stepchart/inspect) are optional peers. These tests build the package as it
 * ships (tsup, the project's own config, into a temporary directory), install it in a temporary
 * `node_modules` beside its two dependencies, with or without the peers, and use its entry points
 * from a real Node process. (The stores' drivers: test/persistence/optional-peers.test.ts.)
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import config from "../tsup.config.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "stepchart-peers-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An app directory whose node_modules holds the built package and `deps`, linked from this repo. */
function app(name: string, deps: string[]): string {
  const home = join(dir, name);
  mkdirSync(join(home, "node_modules", "stepchart"), { recursive: true });
  mkdirSync(join(home, "node_modules", "@xstate"), { recursive: true });
  copyFileSync(join(root, "package.json"), join(home, "node_modules", "stepchart", "package.json"));
  // A copy, not a link: Node resolves a module's imports from its real path.
  cpSync(join(dir, "dist"), join(home, "node_modules", "stepchart", "dist"), { recursive: true });
  for (const dep of ["zod", "xstate", ...deps])
    symlinkSync(join(root, "node_modules", dep), join(home, "node_modules", dep));
  return home;
}

/** Runs an ES module in the app directory and returns what it printed, as JSON. */
function runIn(home: string, code: string): unknown {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: home, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

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
  const shipped = Array.isArray(config) ? config[0] : config;
  await build({
    ...(shipped as object),
    config: false,
    outDir: join(dir, "dist"),
    dts: false,
    sourcemap: false,
    silent: true,
  });
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
