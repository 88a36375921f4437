import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { HumanResponseEvent } from "../../src/index.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { approval } from "./fixtures-b/approval.js";
import { type CliResult, finished, fixture, root, startCli, stepchart } from "./fixtures-b/cli.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-serve-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
vi.setConfig({ testTimeout: 60_000 });

/** Starts `stepchart serve <args>` and waits for the line that gives its URL. */
async function startServe(args: readonly string[], env?: NodeJS.ProcessEnv) {
  const child = startCli(["serve", ...args], env);
  const exited = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (text: string) => {
      seen += text;
      const found = /on (http:\/\/\S+)\n/.exec(seen);
      if (found) resolve(found[1] as string);
    });
    void exited.then((r) => reject(new Error(`serve exited ${r.code} before listening: ${r.stderr}`)));
  });
  return { child, exited, url };
}

/** Reads a run's NDJSON stream until an item of `type`, then lets go of it. */
async function readUntil(url: string, type: string): Promise<void> {
  const response = await fetch(url);
  const reader = (response.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(`"type":"${type}"`)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the stream ended before ${type}: ${text}`);
    text += value;
  }
  await reader.cancel();
}

const stop = (child: ChildProcess, exited: Promise<CliResult>, signal: NodeJS.Signals) => {
  child.kill(signal);
  return exited;
};

describe("stepchart serve", () => {
  it("serves every file's workflows by name, and on SIGTERM hands the waiting run back to the store and exits 0", async () => {
    const db = join(dir, "runs.db");
    const files = [fixture("approval.ts"), fixture("greet.ts")];
    const { child, exited, url } = await startServe([...files, "--port", "0", "--store", `sqlite:${db}`]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const listed = await fetch(`${url}/workflows`);
    expect(await listed.json()).toEqual({ workflows: ["approval", "greet", "shout"] });
    const ran = await fetch(`${url}/workflows/greet/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ start_event: { name: "ada" } }),
    });
    expect(await ran.json()).toMatchObject({ status: "completed", result: { value: { result: "hello ada" } } });
    const started = await fetch(`${url}/workflows/approval/run-nowait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ start_event: { topic: "tea" }, handler_id: "web-1" }),
    });
    expect(started.status).toBe(200);
    await readUntil(`${url}/events/web-1?sse=false&after_sequence=-1`, "InputRequiredEvent");

    const { code, stdout, stderr } = await stop(child, exited, "SIGTERM");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain(`runs kept in sqlite:${db}; resumed 0 interrupted run(s)`);
    expect(stdout).toMatch(/SIGTERM: stopped; 1 run\(s\) handed back to sqlite:.*runs\.db\n$/);

    // Handed back: waiting, no lease; any process answers and finishes it.
    const store = new SqliteStore({ path: db });
    try {
      const stored = await store.load("web-1");
      expect(stored?.snapshot.status).toBe("waiting");
      expect(stored?.lease).toBeNull();
      await approval.sendEvent("web-1", HumanResponseEvent({ response: "yes" }), { store });
      expect(await approval.resume("web-1", { store })).toBe("published");
    } finally {
      store.close();
    }
  });

  it("with --token (or STEPCHART_TOKEN), refuses requests without it; SIGINT stops it too", async () => {
    const { child, exited, url } = await startServe([fixture("approval.ts"), "--port", "0"], {
      STEPCHART_TOKEN: "s3cret",
    });
    expect((await fetch(`${url}/workflows`)).status).toBe(401);
    const allowed = await fetch(`${url}/workflows`, { headers: { authorization: "Bearer s3cret" } });
    expect(await allowed.json()).toEqual({ workflows: ["approval"] });
    const { code, stdout, stderr } = await stop(child, exited, "SIGINT");
    expect({ code }, stderr).toEqual({ code: 0 });
    expect(stdout).toContain("runs kept in memory (no --store)");
    expect(stdout).toMatch(/SIGINT: stopped\n$/);
  });

  it("gives the runs what the file exports as `resources` (the rag example's index)", async () => {
    const { child, exited, url } = await startServe([join(root, "examples/rag.ts"), "--port", "0"]);
    const ran = await fetch(`${url}/workflows/rag/run`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ start_event: { query: "Who introduced statecharts?" } }),
    });
    expect(await ran.json()).toMatchObject({
      status: "completed",
      result: { value: { result: { answer: expect.stringContaining("David Harel") } } },
    });
    const stopped = await stop(child, exited, "SIGTERM");
    expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
  });

  it("exits (70) when its store fails at start, instead of listening on with nobody to stop it, and hides the password", async () => {
    for (const command of ["serve", "dev"]) {
      const failed = await stepchart([
        command,
        fixture("greet.ts"),
        "--port",
        "0",
        "--store",
        "postgres://u:s3cret@127.0.0.1:1/db",
      ]);
      expect(failed, failed.stderr).toMatchObject({ code: 70 });
      expect(failed.stderr).toMatch(/ECONNREFUSED/);
      expect(failed.stdout + failed.stderr).not.toContain("s3cret");
    }
  });

  it("is a usage error (64) for two workflows of one name, or a port that is not one", async () => {
    const [twice, badPort] = await Promise.all([
      stepchart(["serve", fixture("greet.ts"), fixture("another-greet.ts"), "--port", "0"]),
      stepchart(["serve", fixture("greet.ts"), "--port", "http"]),
    ]);
    expect(twice, twice.stderr).toMatchObject({ code: 64 });
    expect(twice.stderr).toMatch(/Two workflows are named "greet" \(the second in .*another-greet\.ts\)/);
    expect(badPort, badPort.stderr).toMatchObject({ code: 64 });
    expect(badPort.stderr).toMatch(/a port is a number from 0 to 65535/);
  });
});
