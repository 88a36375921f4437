import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { sleep } from "../helpers.js";
import { ask, HumanResponseEvent } from "./fixtures/lifetime-workflows.js";

const runner = fileURLToPath(new URL("./fixtures/lifetime-runner.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "stepchart-lifetime-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How long a process must outlive its prompt to count as kept alive (it exits at once otherwise). */
const ALIVE_MS = 500;

interface Runner {
  readonly child: ChildProcess;
  /** Resolves when the process printed this line. */
  printed(line: string): Promise<void>;
  /** Resolves with the exit code (`null` when killed) once the process is gone. */
  readonly exit: Promise<number | null>;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

/** Starts `lifetime-runner.ts <mode> [db]` in its own Node process. */
function start(mode: string, db?: string): Runner {
  const args = ["--import", "tsx", runner, mode, ...(db ? [db] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const waiting = new Map<string, () => void>();
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
    for (const [line, resolve] of waiting) if (out.split("\n").includes(line)) resolve();
  });
  child.stderr?.on("data", (chunk) => {
    err += String(chunk);
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exit,
    stdout: () => out,
    stderr: () => err,
    printed: (line) =>
      new Promise<void>((resolve, reject) => {
        waiting.set(line, resolve);
        if (out.split("\n").includes(line)) resolve();
        void exit.then((code) => reject(new Error(`exited (${code}) before printing "${line}": ${out}${err}`)));
      }),
  };
}

async function kill(run: Runner): Promise<void> {
  run.child.kill("SIGKILL");
  await run.exit;
}

describe("a run keeps its process alive while someone waits on it", () => {
  it.each(["awaited", "streamed"])("a run %s while it waits for a person keeps the process alive", async (mode) => {
    const run = start(mode);
    await run.printed("waiting");
    // Nothing else holds the event loop: without the handler, Node exits here (code 13, no word).
    const outcome = await Promise.race([run.exit, sleep(ALIVE_MS).then(() => "alive")]);
    expect(outcome, run.stderr()).toBe("alive");
    await kill(run);
  });

  it("an awaited stored run waits for the answer another process writes to the store, then finishes", async () => {
    const db = join(dir, "stored.db");
    const run = start("stored", db);
    await run.printed("waiting");

    const store = new SqliteStore({ path: db, leaseMs: 300 });
    await ask(null).sendEvent("ask-1", HumanResponseEvent({ response: "yes" }), { store });
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toContain("result: yes");
    expect((await store.load("ask-1"))?.snapshot.status).toBe("completed");
    await store.close();
  });

  it("a run nobody awaits does not keep the process alive", async () => {
    const run = start("not-awaited");
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toBe("waiting\n");
  });

  it("handler.detach() lets the process go, and leaves the run waiting in its store", async () => {
    const db = join(dir, "detached.db");
    const run = start("detached", db);
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toContain("let go: WORKFLOW_STATE");

    const store = new SqliteStore({ path: db });
    expect(await store.load("ask-1")).toMatchObject({ snapshot: { status: "waiting" }, lease: null });
    await store.close();
  });
});

describe("a run that fails while nobody observes it", () => {
  it("is an unhandled rejection: Node prints the WorkflowError and exits non-zero", async () => {
    const run = start("failed-not-awaited");
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toContain("WorkflowStepError");
    expect(run.stderr()).toContain("the model is down");
  });

  it("is not reported when its stream is read: the failure is the stream's last item", async () => {
    const run = start("failed-streamed");
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stdout()).toBe("WorkflowFailedEvent\n");
    expect(run.stderr()).toBe("");
  });

  it("is not reported when handler.result was taken", async () => {
    const run = start("failed-result-taken");
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stderr()).toBe("");
  });

  it("is not reported when it was cancelled on purpose", async () => {
    const run = start("cancelled-not-awaited");
    expect(await run.exit, run.stderr()).toBe(0);
    expect(run.stderr()).toBe("");
  });
});
