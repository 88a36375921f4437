/**
 * The `@example` blocks of src/ compile. Each is type-checked, with the project's compiler options,
 * as the body of an async function in a module of its own that has in scope what the examples take
 * as given: every export of the package's entry points (as `import … from "stepchart"` gives them;
 * its own imports of `stepchart/*` resolve to the sources), the test libraries, and the small app of
 * jsdoc-given.ts (`wf`, `approval`, `handler`, `ctx`, `store`, …). So an example can be a fragment
 * of an app, but never code that does not type-check against the API it shows. Examples are not run.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const given = join(root, "test/docs/jsdoc-given.ts");
/** Where the example modules are, in memory only: inside the repository, so its node_modules resolve. */
const virtualDir = join(root, "test/docs/.jsdoc-examples");

/** The package's entry points (package.json `exports`) and their sources. */
const entries: Record<string, string> = {
  stepchart: "src/index.ts",
  "stepchart/inspect": "src/inspect/index.ts",
  "stepchart/testing": "src/testing/index.ts",
  "stepchart/openai": "src/openai/index.ts",
  "stepchart/server": "src/server/index.ts",
  "stepchart/telemetry": "src/telemetry/index.ts",
  "stepchart/stores/sqlite": "src/persistence/sqlite-store.ts",
  "stepchart/stores/postgres": "src/persistence/postgres-store.ts",
};
/** The names in scope without an import, beside the package's (the first module that has a name wins). */
const ambient: Record<string, string> = {
  zod: "z",
  vitest: "afterEach beforeEach describe expect it",
  xstate: "createActor toPromise waitFor",
  "node:fs/promises": "readFile writeFile",
};

interface Example {
  /** `src/…/file.ts:line`, the line of its `@example` tag. */
  readonly where: string;
  readonly code: string;
}

/** Every `@example` block of a source text (a fenced `ts` block after the tag). */
function examplesOf(file: string, text: string): Example[] {
  const found: Example[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const lines = comment[0].split("\n").map((line) => line.replace(/^\s*(\/\*\*|\*\/|\*(?!\/))? ?/, ""));
    const body = lines.join("\n");
    const start = text.slice(0, comment.index).split("\n").length;
    for (const example of body.matchAll(/@example[^\n]*\n```ts\n([\s\S]*?)```/g)) {
      const line = start + body.slice(0, example.index).split("\n").length - 1;
      found.push({ where: `${file}:${line}`, code: example[1] as string });
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return (readdirSync(join(root, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f))
    .sort();
}

function projectOptions(): ts.CompilerOptions {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const paths = Object.fromEntries(Object.entries(entries).map(([name, path]) => [name, [path]]));
  return { ...options, baseUrl: root, paths, noEmit: true };
}

/** Names a module exports, each marked as a type when it has no value. */
function exportsOf(checker: ts.TypeChecker, file: ts.SourceFile): { name: string; type: boolean }[] {
  const symbol = checker.getSymbolAtLocation(file);
  if (!symbol) throw new Error(`${file.fileName} has no exports`);
  return checker.getExportsOfModule(symbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return { name: exported.name, type: (target.flags & ts.SymbolFlags.Value) === 0 };
  });
}

/** What an example imports itself: its import declarations and the names they bind. */
function importsOf(code: string): { text: string; names: Set<string>; rest: string } {
  const source = ts.createSourceFile("example.ts", code, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const cut: [number, number][] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement)) continue;
    cut.push([statement.getFullStart(), statement.getEnd()]);
    const clause = statement.importClause;
    if (clause?.name) names.add(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) names.add(el.name.text);
    if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
  }
  const text = cut.map(([from, to]) => code.slice(from, to).trim()).join("\n");
  let rest = code;
  for (const [from, to] of [...cut].reverse()) rest = rest.slice(0, from) + " ".repeat(to - from) + rest.slice(to);
  return { text, names, rest };
}

type Scope = Map<string, { from: string; type: boolean }>;

/**
 * An example as a module: the names in scope that its own imports do not bind (the package's, the
 * given app's, then its own module's: an internal type is shown with its module's names), then its
 * body in a function.
 */
function moduleOf(example: Example, scope: Scope, local: Scope): string {
  const own = importsOf(example.code);
  const byModule = new Map<string, string[]>();
  for (const [name, { from, type }] of [...scope, ...[...local].filter(([name]) => !scope.has(name))]) {
    if (own.names.has(name)) continue;
    byModule.set(from, [...(byModule.get(from) ?? []), type ? `type ${name}` : name]);
  }
  const preamble = [...byModule].map(([from, names]) => `import { ${names.join(", ")} } from "${from}";`);
  // The body keeps its line numbers after one line of preamble and imports; `export` marks nothing in a function.
  const body = own.rest.replace(/^(\s*)export\s+(?=(const|let|type|interface|class|function|async)\b)/gm, "$1");
  return `${[...preamble, own.text].join(" ")}\nexport async function example() {\n${body}\n}\n`;
}

/** A program of src/ and the given app: the names in scope, and the checked files to reuse. */
function baseProgram(options: ts.CompilerOptions) {
  const program = ts.createProgram([...files.map((f) => join(root, f)), given], options);
  const checker = program.getTypeChecker();
  const exported = (file: string): Scope => {
    const source = program.getSourceFile(file);
    if (!source) throw new Error(`${file} is not in the program`);
    const from = relative(virtualDir, file).replace(/\.ts$/, ".js");
    return new Map(exportsOf(checker, source).map(({ name, type }) => [name, { from, type }]));
  };
  const scope: Scope = new Map();
  for (const file of [...Object.values(entries).map((p) => join(root, p)), given])
    for (const [name, where] of exported(file)) if (!scope.has(name)) scope.set(name, where);
  for (const [from, names] of Object.entries(ambient))
    for (const name of names.split(" ")) if (!scope.has(name)) scope.set(name, { from, type: false });
  const locals = new Map<string, Scope>();
  const localScope = (file: string): Scope => {
    const local = locals.get(file) ?? exported(join(root, file));
    locals.set(file, local);
    return local;
  };
  return { program, scope, localScope };
}

/** Type-checks the example modules, held in memory, and lists each problem at its line in src/. */
function problemsOf(
  modules: Map<string, { example: Example; text: string }>,
  options: ts.CompilerOptions,
  oldProgram: ts.Program,
): string[] {
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (file) => modules.has(file) || fileExists.call(host, file);
  host.readFile = (file) => modules.get(file)?.text ?? readFile.call(host, file);
  host.getSourceFile = (file, language, ...rest) => {
    const entry = modules.get(file);
    return entry ? ts.createSourceFile(file, entry.text, language) : getSourceFile.call(host, file, language, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...modules.keys()], options, host, oldProgram });
  return ts.getPreEmitDiagnostics(program).flatMap((d) => {
    if (d.file?.fileName === given) return [`jsdoc-given.ts: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`];
    const entry = d.file && modules.get(d.file.fileName);
    if (!entry || !d.file || d.start === undefined) return [];
    // The module's line 1 is the preamble and line 2 the function: example line n is module line n + 2.
    const line = d.file.getLineAndCharacterOfPosition(d.start).line - 1;
    const [file, tag] = entry.example.where.split(":");
    return [`${file}:${Number(tag) + line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, " ")}`];
  });
}

const files = sourceFiles("src");
const examples = files.flatMap((file) => examplesOf(file, readFileSync(join(root, file), "utf8")));

describe("the @example blocks of src/", () => {
  it("are found (every fenced ts block after an @example tag)", () => {
    expect(examples.length).toBeGreaterThan(100);
    const tags = files.reduce(
      (n, f) => n + (readFileSync(join(root, f), "utf8").match(/^\s*\* @example/gm)?.length ?? 0),
      0,
    );
    expect(examples.length).toBe(tags);
  });

  it("type-check against the package's exports and the given app of jsdoc-given.ts", () => {
    const options = projectOptions();
    const { program, scope, localScope } = baseProgram(options);
    const modules = new Map(
      examples.map((example, i) => {
        const text = moduleOf(example, scope, localScope(example.where.split(":")[0] as string));
        return [join(virtualDir, `example-${i}.ts`), { example, text }];
      }),
    );
    expect(problemsOf(modules, options, program)).toEqual([]);
  }, 120_000);
});
