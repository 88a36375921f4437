/**
 * Arguments stepchart cannot use are usage errors (exit 64) whose message names the option, not
 * an internal error (70): a store URL that is not one, a sqlite path it cannot open, a directory
 * given as the workflow file, an empty token, an --out it cannot write. And reading a store that
 * does not exist says so rather than creating an empty one.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { root, stepchart } from "./fixtures-b/cli.js";

vi.setConfig({ testTimeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `stepchart <args>` in this process: its exit code and what it wrote to stderr. */
async function cli(args: readonly string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const out = { stdout: "", stderr: "" };
  const stream = (key: "stdout" | "stderr") => {
    const s = new PassThrough();
    s.on("data", (chunk: Buffer) => {
      out[key] += chunk.toString();
    });
    return s;
  };
  const io = { stdout: stream("stdout"), stderr: stream("stderr"), stdin: new PassThrough(), env: {}, cwd: root };
  const code = await runCli(args, io);
  return { code, ...out };
}

const approval = "test/cli/fixtures/approval.ts";

describe("usage errors name the option (exit 64)", () => {
  it.each([
    [
      ["runs", "list", "--store", "postgres://u:p@[bad/db"],
      /^stepchart: --store: the postgres:\/\/ URL does not parse/,
    ],
    [
      ["run", approval, "--input", '{"topic":"x"}', "--store", "postgresql://[nope"],
      /^stepchart: --store: the postgres:\/\/ URL does not parse/,
    ],
    [
      ["run", approval, "--input", '{"topic":"x"}', "--store", "sqlite:/nonexistent/dir/x.db"],
      /^stepchart: --store sqlite:\/nonexistent\/dir\/x\.db: the directory \/nonexistent\/dir does not exist/,
    ],
    [["run", "/tmp"], /^stepchart: \/tmp is a directory, not a workflow file/],
    [
      ["draw", approval, "--out", "/nonexistent/x.mmd"],
      /^stepchart: --out \/nonexistent\/x\.mmd: cannot write it \(ENOENT\)/,
    ],
  ])("%j", async (args, message) => {
    const ran = await cli(args);
    expect(ran.stderr).toMatch(message);
    expect(ran.stderr).not.toContain(":p@");
    expect(ran, ran.stderr).toMatchObject({ code: 64 });
  });

  it("a missing optional peer (MISSING_DEPENDENCY), with its install command", async () => {
    const ran = await cli(["run", "test/cli/fixtures/missing-peer.ts"]);
    expect(ran.stderr).toBe('stepchart: MISSING_DEPENDENCY: The workflow needs "some-peer": npm install some-peer\n');
    expect(ran.code).toBe(64);
  });

  it("an empty STEPCHART_TOKEN (or --token '') for serve", async () => {
    const [fromEnv, fromFlag] = await Promise.all([
      stepchart(["serve", approval, "--port", "0"], { STEPCHART_TOKEN: "" }),
      stepchart(["serve", approval, "--port", "0", "--token", ""]),
    ]);
    for (const ran of [fromEnv, fromFlag]) {
      expect(ran.stderr).toMatch(/^stepchart: --token \(or STEPCHART_TOKEN\) is empty/);
      expect(ran, ran.stderr).toMatchObject({ code: 64 });
    }
  });
});

describe("reading a sqlite store that does not exist", () => {
  it.each([
    [["runs", "list"]],
    [["runs", "show", "r-1"]],
    [["runs", "send", "r-1", "--file", approval, "--response", "yes"]],
    [["runs", "resume", "r-1", "--file", approval]],
  ])("%j says the file does not exist and creates none", async (args) => {
    const path = join(dir, "missing.db");
    const ran = await cli([...args, "--store", `sqlite:${path}`]);
    expect(ran.stderr).toBe(`stepchart: --store sqlite:${path}: the store file does not exist\n`);
    expect(ran, ran.stderr).toMatchObject({ code: 64 });
    expect(existsSync(path)).toBe(false);
  });
});
