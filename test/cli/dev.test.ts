import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createDevApp } from "../../src/cli/dev/dev-app.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { detachRuns, type RunningServer, serve } from "../../src/server/index.js";
import { chromiumSkipReason, hasChromium, launchChromium } from "../support/chromium.js";
import { answer, appApi, startReview, streamUntil } from "./fixtures-dev/drive.js";
import { review } from "./fixtures-dev/review.js";

// Debian's chromium; .ci/run installs it when missing.

const root = fileURLToPath(new URL("../../", import.meta.url));
const _fixture = join(root, "test/cli/fixtures-dev/review.ts");
const output = join(root, "test/.output");

/** `draft` waits here while `holding`, so the test sees it running for as long as it looks. */
const gate = { holding: false, waiting: [] as (() => void)[] };
const hold = () => (gate.holding ? new Promise<void>((resolve) => gate.waiting.push(resolve)) : Promise.resolve());
function openGate(): void {
  gate.holding = false;
  for (const release of gate.waiting.splice(0)) release();
}

describe.skipIf(!hasChromium)(`stepchart dev in headless Chromium${chromiumSkipReason}`, () => {
  let browser: Browser;
  let server: RunningServer;
  let origin: string;

  beforeAll(async () => {
    await mkdir(output, { recursive: true });
    server = await serve(createDevApp({ workflows: { review }, resources: { hold } }), { port: 0 });
    origin = `http://${server.host}:${server.port}`;
    browser = await launchChromium();
  }, 60_000);
  afterEach(openGate); // a failed test leaves no run held for the next
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens the page, recording every URL it requests and anything its console says. */
  async function openPage(at = origin): Promise<{ page: Page; requests: string[]; logged: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    const logged: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => logged.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => logged.push(`pageerror: ${error.message}`));
    await page.goto(`${at}/`);
    await page.waitForSelector("body[data-ready=true]");
    return { page, requests, logged };
  }

  const shoot = (page: Page, name: string) =>
    page.screenshot({ path: join(output, `dev-${name}.png`), fullPage: true });
  const activeStates = (page: Page) =>
    page.$$eval("#chart .region", (regions) =>
      regions.map((r) => [r.getAttribute("data-region"), r.getAttribute("data-active")]),
    );
  /** The timeline: each item's type and its payload, read back from the JSON the page shows. */
  const timeline = (page: Page) =>
    page.$$eval("#timeline li", (items) =>
      items.map((li) => ({
        type: li.getAttribute("data-type"),
        value: JSON.parse(li.querySelector("pre")?.textContent ?? "null"),
      })),
    );

  /** Waits for the page to show `active` as the run's active states, then reads its ctx state. */
  async function stateShown(page: Page, active: string): Promise<unknown> {
    await page.waitForSelector(`#run-active:text-is("${active}")`);
    return JSON.parse((await page.textContent("#run-ctx")) ?? "null");
  }

  it("starts a run from the generated form, highlights the running step, takes the answer and shows the result", async () => {
    const { page, requests, logged } = await openPage();
    // The form, generated from the start event's JSON Schema: a control per field, of its kind.
    const kinds = await page.$$eval("#start-fields [name]", (controls) =>
      controls.map((c) => [
        c.getAttribute("name"),
        c.tagName.toLowerCase(),
        c.getAttribute("type"),
        c.hasAttribute("required"),
      ]),
    );
    expect(kinds).toEqual([
      ["title", "input", "text", true],
      ["words", "input", "number", true],
      ["tone", "select", null, true],
      ["urgent", "input", "checkbox", false],
    ]);
    expect(await page.$$eval("#field-tone option", (options) => options.map((o) => o.textContent))).toEqual([
      "plain",
      "upbeat",
    ]);
    // The statechart drawn: one region per step and the human one, all idle before a run.
    expect(await activeStates(page)).toEqual([
      ["draft", "idle"],
      ["publish", "idle"],
      ["human", "idle"],
    ]);
    await shoot(page, "1-ready");

    gate.holding = true;
    await page.fill("#field-title", "Launch");
    await page.fill("#field-words", "12");
    await page.selectOption("#field-tone", { label: "upbeat" });
    await page.check("#field-urgent");
    await page.getByRole("button", { name: "Start" }).click();

    // The step is highlighted while it runs (the test holds it), and the run is in `running`.
    await page.waitForSelector("#chart .region[data-region=draft].running");
    expect(await activeStates(page)).toEqual([
      ["draft", "running"],
      ["publish", "idle"],
      ["human", "idle"],
    ]);
    expect(await page.getAttribute("#chart", "data-state")).toBe("running");
    expect(await page.textContent("#run-status")).toBe("running");
    expect(await stateShown(page, "draft.running")).toEqual({});
    await shoot(page, "2-step-running");
    expect(gate.waiting).toHaveLength(1);
    openGate();

    // The prompt: the form shows it, the human region waits, the step is idle again.
    await page.waitForSelector("#prompt-form:not([hidden])");
    await page.waitForSelector("body[data-run-status=waiting]");
    expect(await page.textContent("#prompt-text")).toBe("Publish this draft?");
    expect(JSON.parse((await page.textContent("#prompt-payload")) ?? "")).toEqual({
      draft: "URGENT: Launch (upbeat, 12 words)",
    });
    expect(await activeStates(page)).toEqual([
      ["draft", "idle"],
      ["publish", "idle"],
      ["human", "waiting"],
    ]);
    // The run's state: what `draft` put in ctx, and the human region waiting.
    expect(await stateShown(page, "human.waiting")).toEqual({ draft: "URGENT: Launch (upbeat, 12 words)" });
    await shoot(page, "3-prompt");

    await page.fill("#prompt-response", "yes");
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForSelector("body[data-run-status=completed]");
    expect(JSON.parse((await page.textContent("#run-result")) ?? "")).toEqual({
      published: true,
      draft: "URGENT: Launch (upbeat, 12 words)",
    });
    expect(await page.isHidden("#prompt-form")).toBe(true);
    expect(await page.getAttribute("#chart", "data-state")).toBe("completed");
    expect((await activeStates(page)).map(([, state]) => state)).toEqual(["idle", "idle", "idle"]);
    expect(await stateShown(page, "completed")).toEqual({ draft: "URGENT: Launch (upbeat, 12 words)" });
    await page.click("#timeline li[data-type=InputRequiredEvent] summary"); // its payload, unfolded
    await shoot(page, "4-result");

    const runId = (await page.textContent("#run-id")) ?? "";
    expect(await timeline(page)).toEqual([
      { type: "StepStartedEvent", value: { step: "draft", invocation: 0, event: "StartEvent" } },
      {
        type: "StepFinishedEvent",
        value: { step: "draft", invocation: 0, status: "completed", output: "InputRequiredEvent" },
      },
      {
        type: "InputRequiredEvent",
        value: { prefix: "Publish this draft?", payload: { draft: "URGENT: Launch (upbeat, 12 words)" } },
      },
      { type: "StepStartedEvent", value: { step: "publish", invocation: 1, event: "HumanResponseEvent" } },
      {
        type: "StepFinishedEvent",
        value: { step: "publish", invocation: 1, status: "completed", output: "StopEvent" },
      },
      { type: "StopEvent", value: { result: { published: true, draft: "URGENT: Launch (upbeat, 12 words)" } } },
    ]);
    // The list of runs has it, ended; and the server agrees.
    await page.waitForSelector(`#runs li[data-run-id="${runId}"][data-status=completed]`);
    const handler = await (await fetch(`${origin}/handlers/${runId}`)).json();
    expect(handler).toMatchObject({ workflow_name: "review", status: "completed" });

    // Self-contained: nothing requested from anywhere but this origin, and nothing went wrong.
    for (const url of requests) expect(new URL(url).origin).toBe(origin);
    expect(logged).toEqual([]);
    await page.close();
  });

  it("opens a run started elsewhere from the list: its timeline replayed, its state and result shown", async () => {
    const started = await fetch(`${origin}/workflows/review/run-nowait`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ start_event: { title: "Elsewhere", words: 3, tone: "plain", urgent: false } }),
    });
    const { handler_id: runId } = (await started.json()) as { handler_id: string };
    const { page, logged } = await openPage();
    await page.click(`#runs li[data-run-id="${runId}"] button`);
    await page.waitForSelector("body[data-run-status=waiting]");
    expect(await page.textContent("#run-id")).toBe(runId);
    expect(JSON.parse((await page.textContent("#prompt-payload")) ?? "")).toEqual({
      draft: "Elsewhere (plain, 3 words)",
    });
    await shoot(page, "5-opened-waiting");

    // Answered by someone else: the page follows the stream to the end.
    await fetch(`${origin}/events/${runId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ event: { type: "HumanResponseEvent", value: { response: "not yet" } } }),
    });
    await page.waitForSelector("body[data-run-status=completed]");
    expect(JSON.parse((await page.textContent("#run-result")) ?? "")).toEqual({
      published: false,
      draft: "Elsewhere (plain, 3 words)",
    });
    expect((await timeline(page)).map((item) => item.type)).toEqual([
      "StepStartedEvent",
      "StepFinishedEvent",
      "InputRequiredEvent",
      "StepStartedEvent",
      "StepFinishedEvent",
      "StopEvent",
    ]);
    expect(await page.isHidden("#prompt-form")).toBe(true);
    expect(new URL(page.url()).hash).toBe(`#run=${runId}`);
    await shoot(page, "6-opened-result");
    expect(logged).toEqual([]);
    // The state of a run the server does not know is a 404, not an empty state.
    const unknown = await fetch(`${origin}/dev/runs/no-such-run/state`);
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, "NOT_FOUND"]);
    await page.close();
  });

  it("lists the runs an earlier session kept in its store: an ended one opens from its record, a waiting one resumes and is answered", async () => {
    const dir = await mkdtemp(join(tmpdir(), "stepchart-dev-"));
    const path = join(dir, "runs.db");
    // The earlier session: one run answered and ended, one left waiting for its answer.
    const earlierStore = new SqliteStore({ path });
    const earlier = createDevApp({ workflows: { review }, store: earlierStore });
    const earlierApi = appApi(earlier);
    const ended = await startReview(earlierApi, "Ended");
    await streamUntil(earlierApi, ended, "InputRequiredEvent");
    await answer(earlierApi, ended, "yes");
    await streamUntil(earlierApi, ended, "StopEvent");
    const waiting = await startReview(earlierApi, "Waiting");
    await streamUntil(earlierApi, waiting, "InputRequiredEvent");
    await detachRuns(earlier);
    earlierStore.close();

    const store = new SqliteStore({ path });
    const later = await serve(createDevApp({ workflows: { review }, store }), { port: 0 });
    try {
      const { page, logged } = await openPage(`http://${later.host}:${later.port}`);
      await page.waitForSelector(`#runs li[data-run-id="${ended}"][data-status=completed]`);
      await page.waitForSelector(`#runs li[data-run-id="${waiting}"][data-status=running]`);

      // The waiting run: its stream resumes it here, its prompt is back, and the answer ends it.
      await page.click(`#runs li[data-run-id="${waiting}"] button`);
      await page.waitForSelector("#prompt-form:not([hidden])");
      expect(JSON.parse((await page.textContent("#prompt-payload")) ?? "")).toEqual({
        draft: "Waiting (plain, 1 words)",
      });
      expect(await page.getAttribute("#chart .region[data-region=human]", "data-active")).toBe("waiting");
      await page.fill("#prompt-response", "yes");
      await page.getByRole("button", { name: "Send" }).click();
      await page.waitForSelector("body[data-run-status=completed]");
      expect(JSON.parse((await page.textContent("#run-result")) ?? "")).toEqual({
        published: true,
        draft: "Waiting (plain, 1 words)",
      });
      await shoot(page, "7-stored-resumed");

      // The ended run: the store keeps its outcome, not its items, so the page shows the record.
      await page.click(`#runs li[data-run-id="${ended}"] button`);
      await page.waitForSelector(`#run-id:text("${ended}")`);
      await page.waitForSelector("body[data-run-status=completed]");
      expect(JSON.parse((await page.textContent("#run-result")) ?? "")).toEqual({
        published: true,
        draft: "Ended (plain, 1 words)",
      });
      expect(await page.getAttribute("#chart", "data-state")).toBe("completed");
      expect((await timeline(page)).map((item) => item.type)).toEqual(["StopEvent"]);
      await page.waitForSelector(`#run-ctx[data-run-id="${ended}"]`);
      expect(await stateShown(page, "completed")).toEqual({ draft: "Ended (plain, 1 words)" });
      await shoot(page, "8-stored-ended");
      expect(logged).toEqual([]);
      await page.close();
    } finally {
      await later.close();
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
