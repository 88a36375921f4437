import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { approval } from "./fixtures-b/approval.js";
import { fixture, stepchart } from "./fixtures-b/cli.js";
import { greet, shout } from "./fixtures-b/greet.js";
import { slow } from "./fixtures-b/slow.js";

const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-runs-"));
const db = join(dir, "runs.db");
const store = `sqlite:${db}`;
const approvalFile = fixture("approval.ts");
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// Each test starts several CLI processes (each loads TypeScript through tsx): slow on a busy machine.
vi.setConfig({ testTimeout: 60_000 });

/** Runs `approval` until it asks, then hands it back to the store, as a process that exits would. */
async function waitingRun(sqlite: SqliteStore, runId: string, topic: string) {
  const handler = approval.run({ topic }, { store: sqlite, runId });
  for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
  await handler.detach();
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  const sqlite = new SqliteStore({ path: db });
  // Saved in this order, a few ms apart: the list is most recently saved first.
  await waitingRun(sqlite, "tea-1", "tea");
  await sleep(5);
  await greet.run({ name: "ada" }, { store: sqlite, runId: "greet-1" });
  await sleep(5);
  await shout.run({ name: "" }, { store: sqlite, runId: "shout-1" }).then(
    () => expect.unreachable(),
    () => undefined,
  );
  await sleep(5);
  // Detached mid-step: running, with no runner holding it.
  const stuck = slow.run({ n: 1 }, { store: sqlite, runId: "slow-1" });
  await sleep(20);
  await stuck.detach();
  await sleep(5);
  await waitingRun(sqlite, "tea-2", "coffee");
  sqlite.close();
});

describe("stepchart runs list", () => {
  it("prints a table of the store's runs, most recently saved first, with every status, interrupted included", async () => {
    const { code, stdout, stderr } = await stepchart(["runs", "list", "--store", store]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RUN ID\s+WORKFLOW\s+STATUS\s+SAVED AT$/);
    const rows = lines.slice(1).map((line) => line.split(/\s{2,}/));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ["tea-2", "approval", "waiting"],
      ["slow-1", "slow", "interrupted"],
      ["shout-1", "shout", "failed"],
      ["greet-1", "greet", "completed"],
      ["tea-1", "approval", "waiting"],
    ]);
    for (const row of rows) expect(row[3]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/);
    // Columns line up: each status starts where the header's does.
    const at = (lines[0] as string).indexOf("STATUS");
    for (const line of lines.slice(1)) expect(line.slice(at)).toMatch(/^(waiting|interrupted|failed|completed) /);
  });

  it("filters by --status and --workflow, and prints JSON with --json", async () => {
    const [waiting, ofGreet, json, none] = await Promise.all([
      stepchart(["runs", "list", "--store", store, "--status", "waiting"]),
      stepchart(["runs", "list", "--store", store, "--workflow", "greet"]),
      stepchart(["runs", "list", "--store", store, "--status", "interrupted", "--json"]),
      stepchart(["runs", "list", "--store", store, "--workflow", "nothing"]),
    ]);
    expect(
      waiting.stdout
        .split("\n")
        .slice(1, -1)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["tea-2", "tea-1"]);
    expect(
      ofGreet.stdout
        .split("\n")
        .slice(1, -1)
        .map((l) => l.split(" ")[0]),
    ).toEqual(["greet-1"]);
    expect(JSON.parse(json.stdout)).toEqual([
      { runId: "slow-1", workflow: "slow", status: "interrupted", savedAt: expect.any(String) },
    ]);
    expect(none).toMatchObject({ code: 0, stdout: "No runs.\n" });
  });

  it("is a usage error (64) without --store, with a status that does not exist, or a store it does not know", async () => {
    const [noStore, badStatus, badStore] = await Promise.all([
      stepchart(["runs", "list"]),
      stepchart(["runs", "list", "--store", store, "--status", "done"]),
      stepchart(["runs", "list", "--store", "redis://x"]),
    ]);
    expect(noStore, noStore.stderr).toMatchObject({ code: 64 });
    expect(noStore.stderr).toMatch(/required option '-s, --store <store>' not specified/);
    expect(badStatus, badStatus.stderr).toMatchObject({ code: 64 });
    expect(badStatus.stderr).toMatch(/Allowed choices are running, waiting, interrupted/);
    expect(badStore, badStore.stderr).toMatchObject({ code: 64 });
    expect(badStore.stderr).toMatch(/--store takes sqlite:<path> or a postgres:\/\/ URL/);
  });
});

describe("stepchart runs show", () => {
  it("shows a waiting run's prompt, how to answer it, and what its record keeps", async () => {
    const { code, stdout, stderr } = await stepchart(["runs", "show", "tea-1", "--store", store]);
    expect({ code }, stderr).toEqual({ code: 0 });
    expect(stdout).toMatch(/^run\s+tea-1\nworkflow\s+approval\nstatus\s+waiting\nsaved at\s+\S+Z\nrunner\s+none\n/);
    expect(stdout).toContain("Waiting for a person (1):\n  InputRequiredEvent: publish the tea post?\n");
    expect(stdout).toContain('    payload {"topic":"tea"}\n');
    expect(stdout).toContain(`answer: stepchart runs send tea-1 --store ${store} --file <file> --response "<answer>"`);
    expect(stdout).toMatch(/recent events\s+StartEvent → InputRequiredEvent\n/);
  });

  it("gives the result of a completed run, the error of a failed one, the step an interrupted one was in, as JSON too", async () => {
    const [completed, failed, interrupted, failedText] = await Promise.all([
      stepchart(["runs", "show", "greet-1", "--store", store, "--json"]),
      stepchart(["runs", "show", "shout-1", "--store", store, "--json"]),
      stepchart(["runs", "show", "slow-1", "--store", store, "--json"]),
      stepchart(["runs", "show", "shout-1", "--store", store]),
    ]);
    expect(JSON.parse(completed.stdout)).toMatchObject({
      runId: "greet-1",
      workflow: "greet",
      status: "completed",
      lease: null,
      pending: [],
      outcome: { status: "completed", result: "hello ada" },
      recentEvents: ["StartEvent", "Greeted"],
    });
    expect(JSON.parse(failed.stdout)).toMatchObject({
      status: "failed",
      outcome: { status: "failed", step: "shout", attempts: 1, error: { message: "nobody to shout at" } },
    });
    expect(failedText.stdout).toContain("Error step shout failed after 1 attempt(s): nobody to shout at\n");
    expect(JSON.parse(interrupted.stdout)).toMatchObject({
      status: "interrupted",
      outcome: null,
      inFlight: [{ step: "work", event: "StartEvent", attempt: 1 }],
    });
  });

  it("is a usage error (64) for a run the store does not have", async () => {
    const { code, stderr } = await stepchart(["runs", "show", "nope", "--store", store]);
    expect(code).toBe(64);
    expect(stderr).toBe(`stepchart: There is no run "nope" in ${store}\n`);
  });
});

describe("stepchart runs send", () => {
  it("refuses, with 64 and the workflow's own message, an event the run's workflow does not take or that is not valid", async () => {
    const send = (...args: string[]) =>
      stepchart(["runs", "send", "tea-1", "--store", store, "--file", approvalFile, ...args]);
    const [unknown, invalid, notJson, both, neither] = await Promise.all([
      send("--event", '{"type":"Approve"}'),
      send("--event", '{"type":"HumanResponseEvent","response":3}'),
      send("--event", "yes"),
      send("--event", "{}", "--response", "yes"),
      send(),
    ]);
    expect(unknown, unknown.stderr).toMatchObject({ code: 64 });
    expect(unknown.stderr).toMatch(
      /workflow "approval" does not accept "Approve" from outside \(it accepts: HumanResponseEvent\)/,
    );
    expect(invalid, invalid.stderr).toMatchObject({ code: 64 });
    expect(invalid.stderr).toMatch(/Invalid event "HumanResponseEvent": response:/);
    expect(notJson, notJson.stderr).toMatchObject({ code: 64 });
    expect(notJson.stderr).toMatch(/--event is not JSON/);
    expect(both, both.stderr).toMatchObject({ code: 64 });
    expect(both.stderr).toMatch(/'-e, --event <json>' cannot be used with option '-r, --response <text>'/);
    expect(neither, neither.stderr).toMatchObject({ code: 64 });
    expect(neither.stderr).toMatch(/needs --event <json> or --response <text>/);
  });

  it("delivers --response and --event @file.json through the store: resuming the runs applies them", async () => {
    const answer = join(dir, "answer.json");
    writeFileSync(answer, JSON.stringify({ type: "HumanResponseEvent", response: "not yet" }));
    const [yes, fromFile] = await Promise.all([
      stepchart(["runs", "send", "tea-1", "--store", store, "--file", approvalFile, "--response", "yes"]),
      stepchart(["runs", "send", "tea-2", "--store", store, "--file", approvalFile, "--event", `@${answer}`]),
    ]);
    expect(yes.stderr).toBe("");
    expect(yes, yes.stderr).toMatchObject({ code: 0 });
    expect(yes.stdout).toContain("Delivered HumanResponseEvent to run tea-1.\n");
    expect(yes.stdout).toContain(`stepchart runs resume tea-1 --store ${store} --file ${approvalFile}`);
    expect(fromFile, fromFile.stderr).toMatchObject({ code: 0 });

    const sqlite = new SqliteStore({ path: db });
    try {
      expect(await approval.resume("tea-1", { store: sqlite })).toBe("published");
      expect(await approval.resume("tea-2", { store: sqlite })).toBe("held back");
    } finally {
      sqlite.close();
    }
  });

  it("says a live process holds a waiting run (it takes the event at its next lease renewal), not to resume it", async () => {
    const sqlite = new SqliteStore({ path: join(dir, "live.db"), leaseMs: 2_000 });
    // Held by this process: waiting for its answer, with a live lease.
    const live = approval.run({ topic: "live" }, { store: sqlite, runId: "live-1" });
    try {
      for await (const ev of live.streamEvents()) if (ev.type === "InputRequiredEvent") break;
      const sent = await stepchart([
        "runs",
        "send",
        "live-1",
        "--store",
        `sqlite:${join(dir, "live.db")}`,
        "--file",
        approvalFile,
        "--response",
        "yes",
      ]);
      expect(sent, sent.stderr).toMatchObject({ code: 0 });
      expect(sent.stdout).toBe(
        "Delivered HumanResponseEvent to run live-1.\nA process holds the run: it takes the event at its next lease renewal.\n",
      );
      expect(await live).toBe("published");
    } finally {
      live.cancel();
      sqlite.close();
    }
  });

  it("quotes a store path with a space in the commands it prints (runs show's answer, runs send's resume)", async () => {
    const spaced = join(dir, "my runs");
    mkdirSync(spaced);
    const path = join(spaced, "runs.db");
    const sqlite = new SqliteStore({ path });
    await waitingRun(sqlite, "q-1", "tea");
    sqlite.close();
    const [show, send] = await Promise.all([
      stepchart(["runs", "show", "q-1", "--store", `sqlite:${path}`]),
      stepchart(["runs", "send", "q-1", "--store", `sqlite:${path}`, "--file", approvalFile, "--response", "yes"]),
    ]);
    expect(show.stdout, show.stderr).toContain(
      `answer: stepchart runs send q-1 --store 'sqlite:${path}' --file <file>`,
    );
    expect(send.stdout, send.stderr).toContain(
      `stepchart runs resume q-1 --store 'sqlite:${path}' --file ${approvalFile}`,
    );
  });

  it("is a usage error (64) for an ended run, an unknown one, or a file without the run's workflow", async () => {
    const [ended, unknown, otherFile] = await Promise.all([
      stepchart(["runs", "send", "greet-1", "--store", store, "--file", fixture("greet.ts"), "--response", "x"]),
      stepchart(["runs", "send", "nope", "--store", store, "--file", approvalFile, "--response", "x"]),
      stepchart(["runs", "send", "shout-1", "--store", store, "--file", approvalFile, "--response", "x"]),
    ]);
    expect(ended, ended.stderr).toMatchObject({ code: 64 });
    expect(ended.stderr).toMatch(/Run "greet-1" has ended \(completed\)/);
    expect(unknown, unknown.stderr).toMatchObject({ code: 64 });
    expect(unknown.stderr).toMatch(/There is no run "nope"/);
    expect(otherFile, otherFile.stderr).toMatchObject({ code: 64 });
    expect(otherFile.stderr).toMatch(/Run "shout-1" is a run of "shout", which the file does not export/);
  });
});
