/**
 * Terminal escape sequences in run data (a prompt's prefix, an error message, a run id a server's
 * caller chose) never reach the terminal: every display and every command prints them as "�".
 * JSON output is left as it is (JSON escapes control characters itself).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it, vi } from "vitest";
import { LiveDisplay } from "../../src/cli/display/live.js";
import { PlainLog } from "../../src/cli/display/plain.js";
import { askAtTerminal } from "../../src/cli/prompt.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { EVIL } from "./fixtures/escapes.js";
import { finished, fixture as fixtureB, startCli, stepchart } from "./fixtures-b/cli.js";
import { slow } from "./fixtures-b/slow.js";

vi.setConfig({ testTimeout: 60_000 });
const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-escapes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = "test/cli/fixtures/escapes.ts";
/** A run id with a retitle (ESC ] … BEL) and a screen clear in it. */
const evilId = "id\u001b]0;PWNED\u0007\u001b[2J";
// biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be printed
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
/** The run data's own sequences, for output that has escape codes of its own (colours, cursor moves). */
const injected = (text: string) => text.includes("\u0007") || text.includes("\u001b]0;") || text.includes("\u001b[2J");

function capture(tty: boolean) {
  const stdout = Object.assign(new PassThrough(), { isTTY: tty, columns: 120 });
  let text = "";
  stdout.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stdout, text: () => text };
}

describe("escape sequences in run data", () => {
  it("plain output: a prompt's prefix, the run id and the advice carry none; --json keeps them, escaped", async () => {
    const store = `sqlite:${join(dir, "ask.db")}`;
    const ran = await stepchart(["run", file, "-w", "ask", "--store", store, "--run-id", evilId]);
    expect(ran, ran.stderr).toMatchObject({ code: 4 });
    expect(ran.stdout).not.toMatch(CONTROL);
    expect(ran.stderr).not.toMatch(CONTROL);
    expect(ran.stdout).toContain("input required: Prompt \uFFFD]0;PWNED\uFFFD\uFFFD[2J\uFFFD[31mRED end");
    expect(ran.stdout).toContain("ask: run id\uFFFD]0;PWNED\uFFFD\uFFFD[2J started");

    const json = await stepchart(["run", file, "-w", "fail", "--json", "--run-id", evilId]);
    expect(json, json.stderr).toMatchObject({ code: 1 });
    expect(json.stdout).not.toMatch(CONTROL);
    const result = JSON.parse(json.stdout.trimEnd().split("\n").at(-1) as string);
    expect(result).toMatchObject({ runId: evilId, error: { message: `bad value ${EVIL} end` } });
  });

  it("plain output: a failed step's error and the run's error carry none", async () => {
    const ran = await stepchart(["run", file, "-w", "fail", "--run-id", evilId]);
    expect(ran, ran.stderr).toMatchObject({ code: 1 });
    expect(ran.stdout).not.toMatch(CONTROL);
    expect(ran.stdout).toContain("bad value \uFFFD]0;PWNED\uFFFD\uFFFD[2J\uFFFD[31mRED end");
  });

  it("runs list, runs show and runs resume print a stored run's id, prompt and workflow without them", async () => {
    const store = `sqlite:${join(dir, "stored.db")}`;
    const left = await stepchart(["run", file, "-w", "ask", "--store", store, "--run-id", evilId]);
    expect(left, left.stderr).toMatchObject({ code: 4 });
    const [list, show, resume] = await Promise.all([
      stepchart(["runs", "list", "--store", store]),
      stepchart(["runs", "show", evilId, "--store", store]),
      stepchart(["runs", "resume", evilId, "--store", store, "--file", file]),
    ]);
    for (const ran of [list, show, resume]) {
      expect(ran.stdout + ran.stderr).not.toMatch(CONTROL);
      expect(ran.stdout).toContain("id\uFFFD]0;PWNED\uFFFD\uFFFD[2J");
    }
    expect(show.stdout).toContain("InputRequiredEvent: Prompt \uFFFD]0;PWNED");
    expect(resume, resume.stderr).toMatchObject({ code: 4 });
    const json = await stepchart(["runs", "show", evilId, "--store", store, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ runId: evilId });
  });

  it("serve's notes about runs it leaves alone carry none", async () => {
    const path = join(dir, "serve.db");
    const sqlite = new SqliteStore({ path });
    const stuck = slow.run({ n: 1 }, { store: sqlite, runId: evilId });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await stuck.detach(); // interrupted, of a workflow the served file does not have
    sqlite.close();
    const child = startCli(["serve", fixtureB("greet.ts"), "--port", "0", "--store", `sqlite:${path}`]);
    const exited = finished(child);
    const said = await new Promise<string>((resolve) => {
      let text = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("left run")) resolve(text);
      });
    });
    child.kill("SIGTERM");
    await exited;
    expect(said).toMatch(/left run id\uFFFD\]0;PWNED\uFFFD\uFFFD\[2J alone: workflow "slow" is not served here/);
    expect(said).not.toMatch(CONTROL);
  });

  it("the live display and the terminal prompt show none (their own colours and cursor moves aside)", async () => {
    const { stdout, text } = capture(true);
    const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir };
    const live = new LiveDisplay(io);
    live.begin({ workflow: `wf${EVIL}`, runId: evilId, resumed: true, routed: new Set() });
    live.item({ type: "StepStartedEvent", step: "boom", invocation: 1, event: "StartEvent" });
    live.item({
      type: "StepFinishedEvent",
      step: "boom",
      invocation: 1,
      status: "retrying",
      output: null,
      error: { name: "Error", message: EVIL },
    });
    live.item({ type: "InputRequiredEvent", prefix: `Prompt ${EVIL}`, payload: { text: EVIL } });
    live.end({ status: "failed", step: "boom", attempts: 2, error: { name: "Error", message: EVIL } }, 10);
    live.close();
    expect(text()).toContain("PWNED");
    expect(injected(text())).toBe(false);

    const stopped = new AbortController();
    const prompt = capture(true);
    const stdin = Object.assign(new PassThrough(), { isTTY: false });
    const asked = askAtTerminal(
      { ...io, stdout: prompt.stdout, stdin },
      { type: "InputRequiredEvent", prefix: EVIL },
      stopped.signal,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    stopped.abort();
    expect(await asked).toBeUndefined();
    expect(prompt.text()).toContain("PWNED");
    expect(injected(prompt.text())).toBe(false);
  });

  it("the plain log of a run shows none", () => {
    const { stdout, text } = capture(false);
    const plain = new PlainLog({ stdout, stderr: new PassThrough(), stdin: new PassThrough(), env: {}, cwd: dir });
    plain.begin({ workflow: `wf${EVIL}`, runId: evilId, resumed: false, routed: new Set() });
    plain.item({ type: "InputRequiredEvent", prefix: `Prompt ${EVIL}` });
    plain.end({ status: "failed", step: `s${EVIL}`, attempts: 1, error: { name: `E${EVIL}`, message: EVIL } }, 5);
    plain.close();
    expect(text()).toContain("PWNED");
    expect(text()).not.toMatch(CONTROL);
  });
});
