/**
 * The dev page against hostile run data, in headless Chromium: markup in a run id, a prompt and a
 * result shows as text and runs nothing; a stream item typed like an Object.prototype member
 * (`constructor`) is an item like any other, not the end of the run.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDevApp } from "../../src/cli/dev/dev-app.js";
import { type RunningServer, serve } from "../../src/server/index.js";
import { chromiumSkipReason, hasChromium, launchChromium } from "../support/chromium.js";
import { hostile, MARKUP } from "./fixtures-dev/hostile.js";

describe.skipIf(!hasChromium)(`the dev page and hostile run data${chromiumSkipReason}`, () => {
  let browser: Browser;
  let server: RunningServer;
  let origin: string;

  beforeAll(async () => {
    server = await serve(createDevApp({ workflows: { hostile } }), { port: 0 });
    origin = `http://${server.host}:${server.port}`;
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows markup from a run id, a prompt and a result as text, and runs none of it", async () => {
    const runId = `run-${MARKUP}`;
    const started = await fetch(`${origin}/workflows/hostile/run-nowait`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ start_event: {}, handler_id: runId }),
    });
    expect(started.status).toBe(200);

    const page = await browser.newPage();
    page.setDefaultTimeout(8_000); // a selector that never shows fails with its name, before the test times out
    const logged: string[] = [];
    page.on("pageerror", (error) => logged.push(`pageerror: ${error.message}`));
    await page.goto(`${origin}/#run=${encodeURIComponent(runId)}`);
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("#prompt-form:not([hidden])");
    expect(await page.textContent("#run-id")).toBe(runId);
    expect(await page.textContent("#prompt-text")).toBe(MARKUP);
    expect(JSON.parse((await page.textContent("#prompt-payload")) ?? "")).toEqual({ html: MARKUP });
    // The run's item typed `constructor` is in the timeline, and the run goes on (it waits).
    await page.waitForSelector("#timeline li[data-type=constructor]");
    expect(await page.getAttribute("#chart", "data-state")).toBe("running");
    expect(await page.textContent("#run-status")).toBe("waiting");

    await page.fill("#prompt-response", MARKUP);
    await page.getByRole("button", { name: "Send" }).click();
    await page.waitForSelector("body[data-run-status=completed]");
    expect(JSON.parse((await page.textContent("#run-result")) ?? "")).toBe(MARKUP);
    expect(await page.textContent(`#runs li[data-run-id="${runId.replace(/"/g, '\\"')}"] button`)).toBe(
      runId.slice(0, 8),
    );

    expect(await page.evaluate("typeof window.__pwned")).toBe("undefined");
    expect(await page.$$eval("img, script:not([src])", (nodes) => nodes.length)).toBe(0);
    expect(logged).toEqual([]);
    await page.close();
  });
});
