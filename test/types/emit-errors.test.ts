/**
 * What a developer reads when a step returns or sends an event it does not declare: the error is
 * on the `return` or `sendEvent` line and names the event and the step's `emits`. The program
 * below is compiled with the project's options and its diagnostics compared, line by line.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const file = fileURLToPath(new URL("./undeclared-emits.virtual.ts", import.meta.url));

const program = `import { z } from "zod";
import { defineEvent, InputRequiredEvent, startEvent, stopEvent, workflow } from "../../src/index.js";

const Query = startEvent({ query: z.string() });
const Retrieved = defineEvent("Retrieved", { query: z.string(), nodes: z.array(z.string()) });
const Scored = defineEvent("Scored", { score: z.number() });
const Answer = stopEvent(z.object({ text: z.string() }));

export const wf = workflow({ name: "rag", start: Query, stop: Answer })
  .step("retrieve", { accepts: Query, emits: [Retrieved, InputRequiredEvent] }, async (ctx, ev) => {
    ctx.sendEvent(Scored({ score: 1 }));
    const scored = Scored({ score: 2 });
    ctx.sendEvent(scored);
    if (ev.query === "") return Scored({ score: 0 });
    return Retrieved({ query: ev.query, nodes: [] });
  })
  .step("answer", { accepts: Retrieved, emits: [Answer] }, async (_ctx, ev) => Scored({ score: ev.nodes.length }));
`;

function diagnostics(): { line: number; message: string }[] {
  const config = ts.readConfigFile(`${root}/tsconfig.json`, ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (name) => name === file || fileExists(name);
  host.readFile = (name) => (name === file ? program : readFile(name));
  host.getSourceFile = (name, version, ...rest) =>
    name === file ? ts.createSourceFile(name, program, version) : getSourceFile(name, version, ...rest);
  const compiled = ts.createProgram({ rootNames: [file], options, host });
  const source = compiled.getSourceFile(file);
  return ts.getPreEmitDiagnostics(compiled, source).map((d) => ({
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
  }));
}

describe("an event outside a step's emits", () => {
  it("is reported on its own line, naming the event and the emits, and nothing else is", () => {
    const emits = "Event Scored is not in this step's emits: Retrieved | InputRequiredEvent";
    expect(diagnostics()).toEqual([
      {
        line: 11,
        message: `Argument of type '{ type: "Scored"; score: number; }' is not assignable to parameter of type '"${emits}"'.`,
      },
      {
        line: 13,
        message: `Argument of type '{ type: "Scored"; score: number; }' is not assignable to parameter of type '"${emits}"'.`,
      },
      {
        line: 14,
        message: `Argument of type '{ score: number; }' is not assignable to parameter of type '"${emits}"'.`,
      },
      {
        line: 17,
        message: `Argument of type '{ score: number; }' is not assignable to parameter of type '"Event Scored is not in this step's emits: StopEvent"'.`,
      },
    ]);
  }, 120_000);
});
