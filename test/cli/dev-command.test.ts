/**
 * `stepchart dev` (issue 13), the command itself: in a process of its own on a TypeScript file,
 * stopped by SIGTERM, with and without a store; and its usage errors. (The page is driven in
 * headless Chromium by dev.test.ts.)
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/program.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { httpApi, outputMatching, startReview, streamUntil } from "./fixtures-dev/drive.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = join(root, "test/cli/fixtures-dev/review.ts");

/** A `stepchart dev` process on the fixture: its URL, its API, and stopping it with a signal. */
async function startDev(file: string, ...more: string[]) {
  const args = ["--import", "tsx", "src/cli/main.ts", "dev", file, "--port", "0", ...more];
  const child = spawn(process.execPath, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const started = outputMatching(child.stdout, /stepchart dev: review on (http:\/\/127\.0\.0\.1:\d+)\/(.*)\n/);
  const [, origin = "", rest = ""] = await Promise.race([
    started,
    exited.then((code) => Promise.reject(new Error(`stepchart dev exited ${code}: ${stderr}`))),
  ]);
  return {
    origin,
    rest,
    api: httpApi(origin),
    /** SIGTERM, then what it printed and its exit code. */
    async stop(): Promise<{ code: number | null; stderr: string }> {
      const stopped = outputMatching(child.stdout, /stepchart dev: stopped\n/);
      child.kill("SIGTERM");
      await stopped;
      return { code: await exited, stderr };
    },
    kill: () => child.kill("SIGKILL"),
  };
}

describe("stepchart dev, the command", () => {
  it("serves the page and the API of a .ts file's workflows on 127.0.0.1, prints the URL, and exits 0 on SIGTERM, cancelling its runs", async () => {
    const dev = await startDev(fixture);
    try {
      const page = await fetch(`${dev.origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(await page.text()).toContain('<script type="module" src="/dev/app.js"></script>');
      const script = await fetch(`${dev.origin}/dev/app.js`);
      expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect(await script.text()).toContain("function drawChart(");
      expect(await (await dev.api("/workflows")).json()).toEqual({ workflows: ["review"] });
      const drawing = (await (await dev.api("/dev/statechart/review")).json()) as { statechart: { id: string } };
      expect(drawing).toMatchObject({ name: "review", workflow: "review", stop: "StopEvent" });
      expect(drawing.statechart.id).toBe("review");
      // A run of the file's workflow streams through the CLI's server: one copy of stepchart, not
      // two (a .ts file imported in a scoped tsx namespace got its own copy, and GET /events was a
      // 500). Left waiting for its answer, and with no store it lives here only: SIGTERM cancels it.
      const runId = await startReview(dev.api, "Left waiting");
      await streamUntil(dev.api, runId, "InputRequiredEvent");
      expect(await dev.stop()).toEqual({ code: 0, stderr: "" });
    } finally {
      dev.kill();
    }
  });

  it("with --store, keeps its runs there: a run waiting at SIGTERM is handed back to the store, not cancelled", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stepchart-dev-cli-"));
    const path = join(dir, "runs.db");
    const dev = await startDev(fixture, "--store", `sqlite:${path}`);
    try {
      expect(dev.rest).toBe(`, runs kept in sqlite:${path}`);
      const runId = await startReview(dev.api, "Kept");
      await streamUntil(dev.api, runId, "InputRequiredEvent");
      expect(await dev.stop()).toEqual({ code: 0, stderr: "" });
      const store = new SqliteStore({ path });
      try {
        expect((await store.list()).map(({ runId, status }) => ({ runId, status }))).toEqual([
          { runId, status: "waiting" },
        ]);
      } finally {
        store.close();
      }
    } finally {
      dev.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses a port that is not one and a file that is not there, as usage errors (64)", async () => {
    const stderr = new PassThrough();
    let said = "";
    stderr.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const io = { stdout: new PassThrough(), stderr, stdin: new PassThrough(), env: {}, cwd: root };
    expect(await runCli(["dev", fixture, "--port", "eighty"], io)).toBe(64);
    expect(said).toContain('--port takes 0 to 65535, not "eighty"');
    expect(await runCli(["dev", "test/cli/fixtures-dev/missing.ts"], io)).toBe(64);
    expect(said).toMatch(/No such file: \S*test\/cli\/fixtures-dev\/missing.ts\n/);
  });
});
