/**
 * The code blocks of the docs are programs: each `ts` block of the pages below is written out,
 * type-checked with the project's compiler options, and run; every `console.log(x); // y` must print y.
 * A block that cannot stand alone (it uses a workflow defined elsewhere on the page) says so with
 * an HTML comment on the line before it, `<!-- fragment: why -->`, and is left out; the guide has none.
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
const pages = ["README.md", "docs/guide.md", "docs/machine.md", "docs/telemetry.md"];
/** Pages whose every `ts` block must be a program. */
const noFragments = ["docs/guide.md"];

/** stepchart's entry points, as the package exports them, and their sources. */
const entries: Record<string, string> = {
  stepchart: "../../src/index.js",
  "stepchart/server": "../../src/server/index.js",
  "stepchart/inspect": "../../src/inspect/index.js",
  "stepchart/testing": "../../src/testing/index.js",
  "stepchart/openai": "../../src/openai/index.js",
  "stepchart/stores/sqlite": "../../src/persistence/sqlite-store.js",
  "stepchart/stores/postgres": "../../src/persistence/postgres-store.js",
  "stepchart/telemetry": "../../src/telemetry/index.js",
};

interface Block {
  readonly page: string;
  readonly line: number;
  readonly code: string;
  readonly fragment: boolean;
}

interface Snippet {
  readonly name: string;
  readonly file: string;
  readonly expected: readonly string[];
}

/** Every `ts` block of a page, with the line it starts on and whether it is marked a fragment. */
function blocksOf(page: string): Block[] {
  const text = readFileSync(join(root, page), "utf8");
  return [...text.matchAll(/(<!-- fragment[^>]*-->[ \t]*\n)?```ts\n([\s\S]*?)```/g)].map((m) => ({
    page,
    line: text.slice(0, m.index + (m[1]?.length ?? 0)).split("\n").length,
    code: m[2] as string,
    fragment: m[1] !== undefined,
  }));
}

/** Writes a block out as a runnable module whose stepchart imports point at the sources. */
function toSnippet(block: Block): Snippet {
  const name = `${block.page.replace(/[/.]/g, "-")}-L${block.line}`;
  const file = join(out, `${name}.mts`);
  const source = Object.entries(entries).reduce(
    (text, [entry, path]) => text.replaceAll(`from "${entry}"`, `from "${path}"`),
    block.code,
  );
  writeFileSync(file, source);
  const expected = [...block.code.matchAll(/console\.log\(.*\);\s*\/\/\s*(.+)$/gm)].map((m) => m[1] as string);
  return { name, file, expected };
}

/** Printed text without quotes or whitespace: `console.log` prints strings bare, objects with single quotes. */
const normalize = (text: string) => text.replace(/['"\s]/g, "");

mkdirSync(out, { recursive: true });
const blocks = pages.flatMap(blocksOf);
const snippets = blocks.filter((b) => !b.fragment).map(toSnippet);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("the docs' code blocks", () => {
  it("are programs, except the fragments a page marks (and the guide marks none)", () => {
    expect(snippets.length).toBeGreaterThan(20);
    const fragments = blocks.filter((b) => b.fragment).map((b) => `${b.page}:${b.line}`);
    expect(fragments.filter((f) => noFragments.some((page) => f.startsWith(`${page}:`)))).toEqual([]);
    // A program imports what it uses; one that imports nothing of stepchart is a fragment in disguise.
    const detached = blocks.filter((b) => !b.fragment && !/from "stepchart(\/[\w/]+)?"/.test(b.code));
    expect(detached.map((b) => `${b.page}:${b.line}`)).toEqual([]);
  });

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
  }, 120_000);

  it.each(snippets.map((s) => [s.name, s] as const))("%s runs and prints what its comments say", async (_name, s) => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", s.file], { cwd: root });
    expect(normalize(stdout)).toBe(s.expected.map(normalize).join(""));
  });
});
