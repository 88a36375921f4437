/**
 * `stepchart run … | head -1`: the reader goes away while the command still writes. The command
 * goes on (a stored run is not left half-done) and exits with its own code, not 0.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { root } from "./fixtures-b/cli.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-pipe-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `stepchart <args>`, closes its stdout after the first line, and resolves to its exit code and stderr. */
function headOne(args: readonly string[]): Promise<{ code: number | null; first: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    env: { ...process.env, CI: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let first = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on("data", (chunk: Buffer) => {
    if (first !== "") return;
    first = chunk.toString().split("\n")[0] as string;
    child.stdout.destroy(); // as `head -1` exits
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, first, stderr })));
}

describe("stepchart run when its reader goes away", { timeout: 60_000 }, () => {
  it("exits with the run's own code (1, failed), after finishing the stored run", async () => {
    const path = join(dir, "pipe.db");
    const ran = await headOne([
      "run",
      "test/cli/fixtures/late-failure.ts",
      "--json",
      "--store",
      `sqlite:${path}`,
      "--run-id",
      "p-1",
    ]);
    expect(JSON.parse(ran.first)).toMatchObject({ type: "StepStartedEvent" });
    expect(ran, ran.stderr).toMatchObject({ code: 1 });
    const store = new SqliteStore({ path });
    try {
      expect((await store.list()).map((r) => [r.runId, r.status])).toEqual([["p-1", "failed"]]);
    } finally {
      store.close();
    }
  });
});
