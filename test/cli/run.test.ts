import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => `test/cli/fixtures/${name}`;
const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The environment of a CI job: no terminal, no model, `CI` set (plain logs, never a prompt). */
function ciEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: "1", ...extra };
  for (const name of Object.keys(env)) if (name.startsWith("OPENAI_")) delete env[name];
  return env;
}

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * How many children this file runs at once. Each loads TypeScript through tsx, which takes seconds
 * on a busy CI machine: the concurrent tests queue for a slot rather than all starting together,
 * so none nears its timeout by waiting on the others.
 */
const SLOTS = 3;
let running = 0;
const queued: (() => void)[] = [];

async function inSlot<T>(work: () => Promise<T>): Promise<T> {
  if (running >= SLOTS) await new Promise<void>((resolve) => queued.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    queued.shift()?.();
  }
}

/** Runs `stepchart <args>` from the repository's sources, as a child process. */
function cli(args: readonly string[], env = ciEnv()): Promise<Ran> {
  return inSlot(
    () =>
      new Promise((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "src/cli/main.ts", ...args],
          { cwd: root, env, timeout: 45_000 },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
            const killed = error?.killed ? `\n(killed after 45 s: ${error.signal})` : "";
            resolve({ code, stdout, stderr: stderr + killed });
          },
        );
      }),
  );
}

/** Starts `stepchart <args>`; `exited` resolves to its code and output, `said(text)` once stdout shows `text`. */
function startCli(args: readonly string[], env = ciEnv()) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  const seen: { text: string; resolve: () => void }[] = [];
  child.stdout.on("data", (chunk: Buffer) => {
    out.stdout += String(chunk);
    for (const wait of seen) if (out.stdout.includes(wait.text)) wait.resolve();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    out.stderr += String(chunk);
  });
  const exited = new Promise<Ran>((resolve) => child.once("close", (code) => resolve({ code: code ?? -1, ...out })));
  const said = (text: string) =>
    Promise.race([
      new Promise<void>((resolve) => seen.push({ text, resolve })),
      exited.then((ran) => Promise.reject(new Error(`exited ${ran.code} before "${text}": ${ran.stderr}`))),
    ]);
  return { child, exited, said };
}

const lines = (text: string) => text.trimEnd().split("\n");
const json = (text: string) => lines(text).map((line) => JSON.parse(line) as Record<string, unknown>);

describe.concurrent("stepchart run, without a terminal: one plain line per event", { timeout: 60_000 }, () => {
  it("shows each step as it starts and ends, a retry, and the result; exits 0", async () => {
    const ran = await cli(["run", fixture("flaky.ts"), "--workflow", "flaky"]);
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    const out = lines(ran.stdout);
    expect(out[0]).toMatch(/^flaky: run [\w-]+ started$/);
    expect(out.slice(1)).toEqual([
      "step fetch started on StartEvent",
      expect.stringMatching(/^step fetch attempt 1 failed in \d+ms: upstream unavailable \(call 1\); retrying$/),
      "step fetch started on StartEvent (attempt 2)",
      expect.stringMatching(/^step fetch completed in \d+ms after 2 attempts -> StopEvent$/),
      expect.stringMatching(/^completed in \d+ms$/),
      "result: fetched after 2 calls",
    ]);
    expect(ran.stderr).toBe("");
  });

  it("writes streamed tokens on one line as they come", async () => {
    const ran = await cli(["run", fixture("tokens.ts")]);
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    expect(lines(ran.stdout)).toContain("tokens: state charts rule");
    expect(lines(ran.stdout).at(-1)).toBe('result: {"text":"state charts rule"}');
  });

  it("takes --input from a JSON file with @", async () => {
    const input = join(dir, "words.json");
    writeFileSync(input, JSON.stringify({ words: ["from", "a", "file"] }));
    const ran = await cli(["run", fixture("tokens.ts"), "--input", `@${input}`]);
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    expect(lines(ran.stdout)).toContain("tokens: from a file");
  });

  it("prints no control character a run's data holds: an escape sequence in a token or result cannot drive the terminal", async () => {
    const input = join(dir, "escapes.json");
    writeFileSync(input, JSON.stringify({ words: ["safe", "\u001b]0;pwned\u0007", "\u001b[2J"] }));
    const ran = await cli(["run", fixture("tokens.ts"), "--input", `@${input}`]);
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be printed
    expect(ran.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(lines(ran.stdout)).toContain("tokens: safe \uFFFD]0;pwned\uFFFD \uFFFD[2J");
  });

  it("exits once a run is cancelled, even when a step ignores its abort signal and holds a timer", async () => {
    const { child, exited, said } = startCli(["run", fixture("stubborn.ts")]);
    await said("step wait started");
    const interrupted = performance.now();
    child.kill("SIGINT");
    const ran = await exited;
    expect(ran, ran.stderr).toMatchObject({ code: 3 });
    expect(performance.now() - interrupted).toBeLessThan(10_000); // not the step's minute
  });

  it("exits 1 for a failed run, with the step, its attempts, the error once and where it was thrown", async () => {
    const ran = await cli(["run", fixture("flaky.ts"), "--workflow", "broken"]);
    expect(ran, ran.stderr).toMatchObject({ code: 1 });
    expect(lines(ran.stdout)).toContain("step explode started on StartEvent (attempt 2)");
    // The message once (on the step's line), then where the user's code threw it.
    expect(lines(ran.stdout).slice(-3)).toEqual([
      expect.stringMatching(/^step explode failed in \d+ms \(attempt 2\): the disk is on fire$/),
      expect.stringMatching(/^failed in step explode after 2 attempt\(s\) \(\d+ms\)$/),
      expect.stringMatching(/^ {2}at .*test\/cli\/fixtures\/flaky\.ts:\d+:\d+\)?$/),
    ]);
    expect(ran.stdout.match(/the disk is on fire/g)).toHaveLength(2); // attempt 1's line, and attempt 2's
  });

  it("exits 2 for a run that timed out, naming the steps still running", async () => {
    const ran = await cli(["run", fixture("flaky.ts"), "--workflow", "slow"]);
    expect(ran, ran.stderr).toMatchObject({ code: 2 });
    expect(lines(ran.stdout).at(-1)).toBe("timed out after 200ms; still running: crawl");
  });
});

describe.concurrent("stepchart run --json: NDJSON for scripts", { timeout: 60_000 }, () => {
  it("prints every event of the run's all stream, then a result line", async () => {
    const ran = await cli(["run", fixture("tokens.ts"), "--json"]);
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    const events = json(ran.stdout);
    expect(events.map((e) => e.type)).toEqual([
      "StepStartedEvent",
      "TokenEvent",
      "TokenEvent",
      "TokenEvent",
      "StepFinishedEvent",
      "StopEvent",
      "result",
    ]);
    expect(events[1]).toEqual({ type: "TokenEvent", delta: "state" });
    expect(events.at(-1)).toMatchObject({
      type: "result",
      workflow: "tokens",
      status: "completed",
      result: { text: "state charts rule" },
      durationMs: expect.any(Number),
      runId: expect.any(String),
    });
  });

  it("ends a failed run with its error in the result line, exit 1", async () => {
    const ran = await cli(["run", fixture("flaky.ts"), "-w", "broken", "--json"]);
    expect(ran, ran.stderr).toMatchObject({ code: 1 });
    const events = json(ran.stdout);
    expect(events.filter((e) => e.type === "StepFinishedEvent").map((e) => e.status)).toEqual(["retrying", "failed"]);
    expect(events.at(-1)).toMatchObject({
      type: "result",
      status: "failed",
      step: "explode",
      attempts: 2,
      error: { message: "the disk is on fire" },
    });
  });
});

describe("stepchart run: a prompt nobody here can answer", { timeout: 60_000 }, () => {
  it("with a store, leaves the run waiting there, says how to answer and continue it, exits 4; runs resume finishes it once answered", async () => {
    const store = `sqlite:${join(dir, "waiting.db")}`;
    /** `stepchart runs <verb> tea-1 …` on this store and file. */
    const runs = (verb: string, ...extra: string[]) =>
      cli(["runs", verb, "tea-1", ...extra, "--store", store, "--file", fixture("approval.ts")]);
    const input = JSON.stringify({ topic: "tea" });
    const ran = await cli(["run", fixture("approval.ts"), "--input", input, "--store", store, "--run-id", "tea-1"]);
    expect(ran, ran.stderr).toMatchObject({ code: 4 });
    const out = lines(ran.stdout);
    expect(out).toContain('input required: Ship it? {"draft":"Announcing tea"}');
    expect(out.slice(-3)).toEqual([
      `Run tea-1 is waiting for input, saved in ${store}.`,
      `Answer it with:  stepchart runs send tea-1 --event '{"type":"HumanResponseEvent","response":"..."}' --store ${store} --file test/cli/fixtures/approval.ts`,
      `then continue with:  stepchart runs resume tea-1 --store ${store} --file test/cli/fixtures/approval.ts`,
    ]);

    // Still unanswered: resuming leaves it waiting again.
    const again = await runs("resume");
    expect(again, again.stderr).toMatchObject({ code: 4 });
    expect(lines(again.stdout)[0]).toBe("approval: run tea-1 resumed");

    // Answered with the command it printed.
    const answer = '{"type":"HumanResponseEvent","response":"yes"}';
    const sent = await runs("send", "--event", answer);
    expect(sent, sent.stderr).toMatchObject({ code: 0 });
    const resumed = await runs("resume", "--json");
    expect(resumed, resumed.stderr).toMatchObject({ code: 0 });
    const events = json(resumed.stdout);
    expect(events.map((e) => e.type)).toEqual([
      "InputRequiredEvent",
      "StepStartedEvent",
      "StepFinishedEvent",
      "StopEvent",
      "result",
    ]);
    expect(events.at(-1)).toMatchObject({
      status: "completed",
      runId: "tea-1",
      result: { shipped: true, answer: "yes" },
    });

    const ended = await runs("resume");
    expect(ended, ended.stderr).toMatchObject({ code: 0 });
    expect(ended.stdout).toBe('Run "tea-1" has already ended (completed); there is nothing to resume.\n');
    // For a script: the note on stderr, and the result line on stdout, as for a run that ends here.
    const endedJson = await runs("resume", "--json");
    expect(endedJson, endedJson.stderr).toMatchObject({ code: 0 });
    expect(endedJson.stderr).toBe('Run "tea-1" has already ended (completed); there is nothing to resume.\n');
    expect(json(endedJson.stdout)).toEqual([
      {
        type: "result",
        workflow: "approval",
        runId: "tea-1",
        status: "completed",
        result: { shipped: true, draft: "Announcing tea", answer: "yes" },
      },
    ]);
  });

  it("without a store, cancels the run, says it needs one, exits 4", async () => {
    const ran = await cli(["run", fixture("approval.ts"), "--input", '{"topic":"tea"}', "--json"]);
    expect(ran, ran.stderr).toMatchObject({ code: 4 });
    const events = json(ran.stdout);
    expect(events.map((e) => e.type).slice(-3)).toEqual(["InputRequiredEvent", "WorkflowCancelledEvent", "result"]);
    expect(events.at(-1)).toMatchObject({ status: "waiting", why: "input", stored: false });
    const plain = await cli(["run", fixture("approval.ts"), "--input", '{"topic":"tea"}']);
    expect(plain, plain.stderr).toMatchObject({ code: 4 });
    expect(plain.stdout).toMatch(/no store to wait in: it was cancelled\.\nRun it with --store sqlite:runs\.db/);
  });
});

describe("stepchart runs resume --interrupted", { timeout: 60_000 }, () => {
  it("continues the runs a killed process left behind, and exits 0 when there are none", async () => {
    const path = join(dir, "crash.db");
    const store = `sqlite:${path}`;
    const args = ["run", fixture("approval.ts"), "--input", '{"topic":"crash"}', "--store", store, "--run-id", "c-1"];
    await killWhen(
      spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
        cwd: root,
        env: ciEnv({ STEPCHART_TEST_PREPARE_MS: "60000" }),
      }),
      "step prepare started",
    );
    const sqlite = new SqliteStore({ path });
    expect((await sqlite.list()).map((r) => [r.runId, r.status])).toEqual([["c-1", "interrupted"]]);
    sqlite.close();

    const resumed = await cli(["runs", "resume", "--interrupted", "--store", store, "--file", fixture("approval.ts")]);
    expect(resumed, resumed.stderr).toMatchObject({ code: 4 }); // it ran `prepare` again, then waits for its prompt
    const out = lines(resumed.stdout);
    expect(out[0]).toBe("approval: run c-1 resumed");
    expect(out).toContain("step ask started on Drafted");
    expect(out).toContain('input required: Ship it? {"draft":"Announcing crash"}');

    const none = await cli(["runs", "resume", "--interrupted", "--store", store, "--file", fixture("approval.ts")]);
    expect(none, none.stderr).toMatchObject({ code: 0 });
    expect(none.stdout).toBe(`No interrupted runs in ${store}\n`);
  });
});

describe("stepchart runs resume: a run detached mid-step", { timeout: 60_000 }, () => {
  it("runs the step that was in flight again, and times it from the resume", async () => {
    const store = `sqlite:${join(dir, "detached.db")}`;
    const args = ["run", fixture("approval.ts"), "--input", '{"topic":"tea"}', "--store", store, "--run-id", "d-1"];
    const { child, exited, said } = startCli(args, ciEnv({ STEPCHART_TEST_PREPARE_MS: "60000" }));
    await said("step prepare started");
    child.kill("SIGINT"); // detaches: the run is saved with `prepare` in flight
    const detached = await exited;
    expect(detached, detached.stderr).toMatchObject({ code: 4 });

    const resumed = await cli(["runs", "resume", "d-1", "--store", store, "--file", fixture("approval.ts")]);
    expect(resumed, resumed.stderr).toMatchObject({ code: 4 }); // `prepare` again, then its prompt, which no one here answers
    const shown = lines(resumed.stdout);
    // The resumed run has no new start item for `prepare`: its time counts from the resume.
    expect(shown.slice(0, 2)).toEqual([
      "approval: run d-1 resumed",
      expect.stringMatching(/^step prepare completed in \d+(ms|\.\ds) since resume -> Drafted$/),
    ]);
  });
});

describe("usage errors exit 64 with a message", { timeout: 60_000 }, () => {
  it.concurrent.each([
    [["run", fixture("tokens.ts"), "--input", "{words"], /^stepchart: --input is not valid JSON: /],
    [
      ["run", fixture("tokens.ts"), "--input", "@missing.json"],
      /^stepchart: --input @missing\.json: cannot read missing\.json \(ENOENT\)/,
    ],
    [["run", fixture("approval.ts")], /^stepchart: Invalid event "StartEvent": topic: /],
    [["run", fixture("flaky.ts")], /^stepchart: The file exports several workflows .* pick one with --workflow/],
    [["run", fixture("approval.ts"), "--workflow", "nope"], /^stepchart: No workflow "nope"/],
    [["run", fixture("approval.ts"), "--store", "redis://x"], /^stepchart: --store takes sqlite:<path>/],
    [
      ["runs", "resume", "--store", "sqlite::memory:", "--file", fixture("approval.ts")],
      /takes a run id or --interrupted/,
    ],
    [
      ["runs", "resume", "nope", "--store", "sqlite::memory:", "--file", fixture("approval.ts")],
      /There is no run "nope"/,
    ],
  ])("%j", async (args, message) => {
    const ran = await cli(args);
    expect(ran, ran.stderr).toMatchObject({ code: 64 });
    expect(ran.stderr).toMatch(message);
    expect(ran.stdout).toBe("");
  });
});

/** Kills `child` with SIGKILL (a crash: nothing runs after it) once its stdout shows `text`. */
function killWhen(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve() : reject(new Error(`exited before "${text}":\n${seen}`)),
    );
  });
}
