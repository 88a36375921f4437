import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import { defineEvent, HumanResponseEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";
import { drawAllPossibleFlows, drawMostRecentExecution, toMermaid } from "../../src/inspect/index.js";
import { chromiumSkipReason, hasChromium, launchChromium } from "../support/chromium.js";

describe("toMermaid(handler): the most recent execution", () => {
  it("numbers each step invocation and links the events between them, the human round trip included", async () => {
    const handler = approval.run({ topic: "tea" });
    const answers = ["shorter", "yes"];
    for await (const ev of handler.streamEvents())
      if (ev.type === "InputRequiredEvent")
        handler.sendEvent(HumanResponseEvent({ response: answers.shift() ?? "yes" }));
    await handler;
    const diagram = toMermaid(handler);
    expect(diagram.split("\n").filter((l) => /^ {2}inv_\d+\["/.test(l))).toEqual([
      '  inv_0["1. draft"]',
      '  inv_1["2. review"]',
      '  inv_2["3. draft"]',
      '  inv_3["4. review"]',
    ]);
    expect(diagram).toContain("start -- StartEvent --> inv_0");
    expect(diagram).toContain("inv_0 -- InputRequiredEvent --> human");
    expect(diagram).toContain("human -- HumanResponseEvent --> inv_1");
    expect(diagram).toContain("inv_1 -- Revise --> inv_2");
    expect(diagram).toContain("inv_3 -- StopEvent --> stop");
  });
});

describe("toMermaid(handler) and targeted sends", () => {
  it("links each invocation to the send that started it, not to another send of the same type", async () => {
    // a and b both start on the StartEvent; b sends Search to searchFaq at once, a later sends one
    // to searchDocs. Both searches accept Search, so the type alone does not say which send
    // started searchDocs: the machine event that started it does.
    const Search = defineEvent("Search", { q: z.string() });
    const targeted = workflow({ name: "targeted-sends" })
      .step("a", { accepts: StartEvent, emits: [Search] }, async (ctx) => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        ctx.sendEvent(Search({ q: "from a" }), { step: "searchDocs" });
      })
      .step("b", { accepts: StartEvent, emits: [Search] }, async (ctx) => {
        ctx.sendEvent(Search({ q: "from b" }), { step: "searchFaq" });
      })
      .step("searchDocs", { accepts: Search, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.q }))
      .step("searchFaq", { accepts: Search, emits: [] }, async () => undefined);
    const handler = targeted.run({});
    await expect(handler).resolves.toBe("from a");
    const diagram = toMermaid(handler);
    expect(diagram).toContain('  inv_2["3. searchFaq"]');
    expect(diagram).toContain('  inv_3["4. searchDocs"]');
    expect(diagram).toContain("  inv_1 -- Search --> inv_2");
    expect(diagram).toContain("  inv_0 -- Search --> inv_3");
    expect(diagram).not.toContain("  inv_1 -- Search --> inv_3");
  });
});

describe.skipIf(!hasChromium)(`drawAllPossibleFlows(wf, file) in headless Chromium${chromiumSkipReason}`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "stepchart-draw-"));
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function render(file: string) {
    const page = await browser.newPage();
    const requests: string[] = [];
    page.on("request", (request) => {
      if (!request.url().startsWith("file:")) requests.push(request.url());
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("pre.mermaid svg", { timeout: 20_000 });
    return { page, requests };
  }

  it("writes a self-contained page that renders a node per step, offline", async () => {
    const file = join(dir, "approval.html");
    await drawAllPossibleFlows(approval, file);
    const html = await readFile(file, "utf8");
    expect(html).not.toMatch(/<script[^>]+src=/);
    const { page, requests } = await render(file);
    const nodes = await page.$$eval("pre.mermaid svg g.node", (els) => els.map((el) => el.id));
    for (const step of approval.definition.steps)
      expect(nodes.some((id) => id.includes(`step_${step.name}-`))).toBe(true);
    expect(nodes.some((id) => id.includes("human"))).toBe(true);
    expect(requests).toEqual([]); // nothing fetched from the network
    const shot = join(dir, "approval.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(1000);
    await page.close();
  });

  it("draws a run's most recent execution the same way", async () => {
    const handler = approval.run({ topic: "tea" });
    for await (const ev of handler.streamEvents())
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    await handler;
    const file = join(dir, "run.html");
    await drawMostRecentExecution(handler, file);
    const { page } = await render(file);
    const labels = await page.$$eval("pre.mermaid svg g.node", (els) => els.map((el) => el.textContent?.trim()));
    expect(labels).toEqual(expect.arrayContaining(["1. draft", "2. review"]));
    await page.screenshot({ path: join(dir, "run.png"), fullPage: true });
    await page.close();
  });
});
