/**
 * The code blocks of the docs are programs: each `ts` block of the pages below is written out,
 * type-checked with the project's compiler options, and run; every `console.log(x); // y` must print y.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const out = join(root, "test/.snippets");
const pages = ["docs/machine.md", "README.md"];

/** stepchart's entry points, as the package exports them, and their sources. */
const entries: Record<string, string> = {
  stepchart: "../../src/index.js",
  "stepchart/server": "../../src/server/index.js",
  "stepchart/inspect": "../../src/inspect/index.js",
  "stepchart/testing": "../../src/testing/index.js",
  "stepchart/openai": "../../src/openai/index.js",
};

interface Snippet {
  readonly name: string;
  readonly file: string;
  readonly expected: readonly string[];
}

/** The `ts` blocks of a page that import stepchart (the others are fragments), as runnable sources. */
function snippetsOf(page: string): Snippet[] {
  const text = readFileSync(join(root, page), "utf8");
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  return blocks
    .filter((code) => code.includes('from "stepchart"') || code.includes('from "stepchart/server"'))
    .map((code, i) => {
      const name = `${page.replace(/[/.]/g, "-")}-${i + 1}`;
      const file = join(out, `${name}.mts`);
      const source = Object.entries(entries).reduce(
        (text, [entry, path]) => text.replaceAll(`from "${entry}"`, `from "${path}"`),
        code,
      );
      writeFileSync(file, source);
      const expected = [...code.matchAll(/console\.log\(.*\);\s*\/\/\s*(.+)$/gm)].map((m) => m[1] as string);
      return { name, file, expected };
    });
}

/** Printed text without quotes or whitespace: `console.log` prints strings bare, objects with single quotes. */
const normalize = (text: string) => text.replace(/['"\s]/g, "");

mkdirSync(out, { recursive: true });
const snippets = pages.flatMap(snippetsOf);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the docs' code blocks", () => {
  it("type-check with the project's compiler options", () => {
    const config = ts.readConfigFile(join(root, "tsconfig.json"), ts.sys.readFile);
    const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
    const program = ts.createProgram(
      snippets.map((s) => s.file),
      options,
    );
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file?.fileName.includes(".snippets"))
      .map((d) => `${d.file?.fileName.split("/").pop()}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
    expect(problems).toEqual([]);
  }, 60_000);

  it.each(snippets.map((s) => [s.name, s] as const))("%s runs and prints what its comments say", async (_name, s) => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", s.file], { cwd: root });
    expect(normalize(stdout)).toBe(s.expected.map(normalize).join(""));
  });
});
