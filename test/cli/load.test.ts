import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { loadWorkflows, pickWorkflow } from "../../src/cli/load.js";
import { openStore } from "../../src/cli/store-arg.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixtures = join(root, "test/cli/fixtures-load");

describe("loading the workflows a file exports", () => {
  it("finds a TypeScript file's workflows by export name, each once (by its name, not `default`), and leaves other exports", async () => {
    const found = await loadWorkflows(join(fixtures, "two.ts"));
    expect([...found.keys()].sort()).toEqual(["bye", "hello"]);
  });

  it("imports a JavaScript file without a loader", async () => {
    const found = await loadWorkflows(join(fixtures, "plain.mjs"));
    expect([...found.keys()]).toEqual(["answer"]);
  });

  it("picks by export name or workflow name, the default export when there are several, else asks", async () => {
    const found = await loadWorkflows(join(fixtures, "two.ts"));
    expect(pickWorkflow(found, "bye").definition.name).toBe("farewell");
    expect(pickWorkflow(found, "farewell").definition.name).toBe("farewell");
    expect(pickWorkflow(found).definition.name).toBe("hello");
    expect(() => pickWorkflow(found, "nope")).toThrow(/No workflow "nope"; the file exports: .*bye \("farewell"\)/);
    const withoutDefault = new Map(found);
    expect(() => pickWorkflow(withoutDefault)).toThrow(/several workflows .* pick one with --workflow/);
  });

  it("says so for a missing file and for a file without workflows", async () => {
    await expect(loadWorkflows(join(fixtures, "missing.ts"))).rejects.toThrow(/No such file/);
    await expect(loadWorkflows(join(root, "src/cli/exit-codes.ts"))).rejects.toThrow(/exports no workflow/);
  });
});

describe("--store", () => {
  it("opens sqlite:<path>, and refuses what it does not know", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-store-"));
    const opened = await openStore(`sqlite:${join(dir, "runs.db")}`);
    expect(opened.label).toMatch(/^sqlite:/);
    await opened.close();
    rmSync(dir, { recursive: true, force: true });
    await expect(openStore("redis://x")).rejects.toThrow(/sqlite:<path> or a postgres:\/\/ URL/);
    await expect(openStore("sqlite:")).rejects.toThrow(/needs a path/);
  });
});

describe("bin/stepchart.js", () => {
  it("starts the CLI: --help lists the commands, an unknown command is a usage error (64)", async () => {
    const bin = join(root, "bin/stepchart.js");
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "--help"], { cwd: root });
    expect(stdout).toMatch(/Commands:[\s\S]*run .*<file>[\s\S]*runs[\s\S]*serve[\s\S]*draw[\s\S]*dev/);
    const failed = await promisify(execFile)(process.execPath, [bin, "nonsense"], { cwd: root }).catch((e) => e);
    expect(failed).toMatchObject({ code: 64 });
    expect(String(failed.stderr)).toMatch(/unknown command 'nonsense'/);
  });

  /** A copy of the package's layout: bin/, a built dist/, and src/ and node_modules when asked. */
  function layout(parts: { sources: boolean; modules: boolean }): string {
    const dir = mkdtempSync(join(tmpdir(), "stepchart-bin-"));
    writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
    mkdirSync(join(dir, "bin"));
    copyFileSync(join(root, "bin/stepchart.js"), join(dir, "bin/stepchart.js"));
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist/cli.js"), 'console.log("dist");\n');
    if (parts.sources) {
      mkdirSync(join(dir, "src/cli"), { recursive: true });
      writeFileSync(join(dir, "src/cli/main.ts"), 'console.log("sources" as string);\n');
    }
    if (parts.modules) symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    return dir;
  }

  it.each([
    ["a clone, built once: the sources (a stale dist/ is not run)", { sources: true, modules: true }, "sources"],
    ["the published package (no src/): dist/", { sources: false, modules: true }, "dist"],
    ["a clone without tsx installed: dist/", { sources: true, modules: false }, "dist"],
  ])("runs %s", async (_name, parts, ran) => {
    const dir = layout(parts);
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [join(dir, "bin/stepchart.js")], { cwd: dir });
      expect(stdout).toBe(`${ran}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
