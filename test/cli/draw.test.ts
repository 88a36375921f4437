import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { fixture, root, stepchart } from "./fixtures-b/cli.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-draw-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
vi.setConfig({ testTimeout: 60_000 });

const example = join(root, "examples/human-approval.ts");
/** The golden files `npm run machines` writes for the example (test/machines.test.ts keeps them current). */
const golden = (name: string) => readFileSync(join(root, "machines", name), "utf8");

describe("stepchart draw", () => {
  it("writes the Mermaid diagram (the default) and the statechart JSON as machines/ has them", async () => {
    const [mermaid, json] = await Promise.all([
      stepchart(["draw", example]),
      stepchart(["draw", example, "--format", "json"]),
    ]);
    expect(mermaid).toEqual({ code: 0, stdout: golden("human-approval.mmd"), stderr: "" });
    expect(json).toEqual({ code: 0, stdout: golden("human-approval.view.json"), stderr: "" });
  });

  it("writes an HTML page that carries its renderer, to stdout or to --out (the format read from its extension)", async () => {
    const page = join(dir, "approval.html");
    const chart = join(dir, "approval.json");
    const [html, toFile, jsonFile] = await Promise.all([
      stepchart(["draw", example, "--format", "html"]),
      stepchart(["draw", example, "--out", page]),
      stepchart(["draw", example, "-o", chart]),
    ]);
    expect(html, html.stderr).toMatchObject({ code: 0 });
    expect(html.stdout).toMatch(/^<!doctype html>/);
    expect(html.stdout).toContain("<title>human-approval: all possible flows</title>");
    expect(html.stdout).toContain("step_draft -- InputRequiredEvent --&gt; human");
    expect(html.stdout).toContain("mermaid.initialize(");
    expect(toFile).toEqual({ code: 0, stdout: `Wrote ${page} (human-approval, html)\n`, stderr: "" });
    expect(readFileSync(page, "utf8")).toBe(html.stdout);
    expect(jsonFile.stdout).toBe(`Wrote ${chart} (human-approval, json)\n`);
    expect(readFileSync(chart, "utf8")).toBe(golden("human-approval.view.json"));
  });

  it("draws the workflow --workflow names in a file of several, and says which there are when none is named", async () => {
    const [named, unnamed, unknown] = await Promise.all([
      stepchart(["draw", fixture("greet.ts"), "--workflow", "shout"]),
      stepchart(["draw", fixture("greet.ts")]),
      stepchart(["draw", fixture("greet.ts"), "-w", "whisper"]),
    ]);
    expect(named, named.stderr).toMatchObject({ code: 0 });
    expect(named.stdout).toMatch(/^flowchart TD\n/);
    expect(named.stdout).toContain("start -- StartEvent --> step_shout");
    expect(named.stdout).not.toContain("step_greet");
    expect(unnamed, unnamed.stderr).toMatchObject({ code: 64 });
    expect(unnamed.stderr).toMatch(/several workflows \(greet, shout\): pick one with --workflow/);
    expect(unknown, unknown.stderr).toMatchObject({ code: 64 });
    expect(unknown.stderr).toMatch(/No workflow "whisper"; the file exports: greet, shout/);
  });

  it("is a usage error (64) for a format it does not draw, or a file that is not there", async () => {
    const [svg, missing] = await Promise.all([
      stepchart(["draw", example, "--format", "svg"]),
      stepchart(["draw", join(dir, "missing.ts")]),
    ]);
    expect(svg, svg.stderr).toMatchObject({ code: 64 });
    expect(svg.stderr).toMatch(/Allowed choices are mermaid, html, json/);
    expect(missing, missing.stderr).toMatchObject({ code: 64 });
    expect(missing.stderr).toMatch(/No such file: .*missing\.ts/);
  });
});
