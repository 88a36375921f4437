import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
/** Every entry point of the package (`exports` in package.json) and the source it is built from. */
const entries = [
  "../src/index.ts",
  "../src/persistence/sqlite-store.ts",
  "../src/persistence/postgres-store.ts",
  "../src/openai/index.ts",
  "../src/inspect/index.ts",
  "../src/testing/index.ts",
  "../src/server/index.ts",
  "../src/telemetry/index.ts",
].map((path) => fileURLToPath(new URL(path, import.meta.url)));

/** The exports of the entry points as the type checker sees them (values and types), aliases resolved. */
function publicExports(): { name: string; symbol: ts.Symbol }[] {
  const configPath = ts.findConfigFile(root, ts.sys.fileExists, "tsconfig.json");
  if (!configPath) throw new Error("tsconfig.json not found");
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  // Only the entry points as roots: their imports pull in the rest of src/, and nothing of test/.
  const program = ts.createProgram({ rootNames: entries, options });
  const checker = program.getTypeChecker();
  return entries.flatMap((entry) => {
    const source = program.getSourceFile(entry);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`${entry} has no module symbol`);
    return checker.getExportsOfModule(moduleSymbol).map((exported) => ({
      name: exported.name,
      symbol: exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported,
    }));
  });
}

function hasExample(declaration: ts.Declaration): boolean {
  return ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "example");
}

describe("the public API", () => {
  it("exports exactly these runtime values", async () => {
    expect(Object.keys(await import("../src/index.js")).sort()).toEqual([
      "EventRejectedEvent",
      "EventRoutingError",
      "EventValidationError",
      "HumanResponseEvent",
      "InputRequiredEvent",
      "MAX_JSON_DEPTH",
      "MemoryStore",
      "SnapshotError",
      "StartEvent",
      "StateError",
      "StepFinishedEvent",
      "StepInterruptedError",
      "StepStartedEvent",
      "StepStateError",
      "StepTimeoutError",
      "StopEvent",
      "StreamPositionError",
      "WaitTimeoutError",
      "Workflow",
      "WorkflowCancelledError",
      "WorkflowCancelledEvent",
      "WorkflowError",
      "WorkflowFailedEvent",
      "WorkflowHandler",
      "WorkflowStalledError",
      "WorkflowStateError",
      "WorkflowStepError",
      "WorkflowTimedOutEvent",
      "WorkflowTimeoutError",
      "WorkflowValidationError",
      "defineEvent",
      "isWorkflowError",
      "startEvent",
      "step",
      "stopEvent",
      "workflow",
    ]);
  });

  // Every @example that exists must compile (test/docs/jsdoc-examples.test.ts); one is required only
  // where a user starts: the functions and classes an entry point exports. A type or a constant is
  // shown by the examples of what takes or returns it.
  it("documents every exported function and class with an @example", { timeout: 60_000 }, () => {
    const exports = publicExports();
    const callable = exports.filter(({ symbol }) =>
      (symbol.declarations ?? []).some((d) => ts.isFunctionDeclaration(d) || ts.isClassDeclaration(d)),
    );
    // A sanity check that the walk finds the factories.
    expect(callable.map((e) => e.name)).toEqual(expect.arrayContaining(["workflow", "defineEvent", "Workflow"]));

    const missing = callable
      .filter(({ symbol }) => !(symbol.declarations ?? []).some(hasExample))
      .map(({ name }) => name)
      .sort();
    expect(missing).toEqual([]);
  });

  it("finds an @example written on a variable statement through its declaration", () => {
    const source = ts.createSourceFile(
      "x.ts",
      "/**\n * A value.\n *\n * @example\n * ```ts\n * x;\n * ```\n */\nexport const x = 1;\n",
      ts.ScriptTarget.ES2022,
      true,
    );
    const statement = source.statements[0] as ts.VariableStatement;
    const [declaration] = statement.declarationList.declarations;
    expect(declaration && hasExample(declaration)).toBe(true);
  });
});
