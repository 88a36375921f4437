/**
 * docs/guide.md's table of error codes is the code's: every `WorkflowErrorCode` has a row, and each
 * row's class is exported and carries that code.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as core from "../../src/index.js";
import * as openai from "../../src/openai/index.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const read = (path: string) => readFileSync(join(root, path), "utf8");

/** The codes of the `WorkflowErrorCode` union, as src/errors.ts declares them. */
function declaredCodes(): string[] {
  const source = read("src/errors.ts");
  const start = source.indexOf("export type WorkflowErrorCode");
  const union = source.slice(start, source.indexOf(";", start));
  return [...union.matchAll(/"([A-Z_]+)"/g)].map((m) => m[1] as string);
}

/** Every `.ts` file under src/, as one text to search for classes. */
function allSources(dir = "src"): string {
  return readdirSync(join(root, dir), { withFileTypes: true })
    .map((entry) => {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) return allSources(path);
      return entry.name.endsWith(".ts") ? read(path) : "";
    })
    .join("\n");
}

const rows = [...read("docs/guide.md").matchAll(/^\| `([A-Z_]+)` \| `(\w+)`/gm)].map((m) => ({
  code: m[1] as string,
  cls: m[2] as string,
}));

describe("docs/guide.md's error codes", () => {
  it("has a row for every WorkflowErrorCode, and no other", () => {
    expect(rows.map((r) => r.code).sort()).toEqual(declaredCodes().sort());
  });

  it("names, for each code, an exported class that carries it", () => {
    const sources = allSources();
    for (const { code, cls } of rows) {
      expect(cls in core || cls in openai, `${cls} is exported`).toBe(true);
      if (cls === "WorkflowError") {
        expect(sources, `some WorkflowError is made with ${code}`).toMatch(new RegExp(`WorkflowError\\(\\s*"${code}"`));
        continue;
      }
      const body = new RegExp(`class ${cls} extends WorkflowError \\{[\\s\\S]*?super\\(\\s*"([A-Z_]+)"`).exec(sources);
      expect(body?.[1], `${cls}'s code`).toBe(code);
    }
  });
});
