import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { approval, PROMPT } from "../../examples/human-approval.js";
import { type CorsOptions, createServer, type RunningServer, serve } from "../../src/server/index.js";
import { chromiumSkipReason, hasChromium, launchChromium } from "../support/chromium.js";
import { type StaticOrigin, serveStatic } from "./fixtures/static-origin.js";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
// The client's ESM build: no imports of its own, so a browser loads it as it is.
const clientBuild = join(dirname(createRequire(import.meta.url).resolve("@llamaindex/workflows-client")), "index.mjs");

describe.skipIf(!hasChromium)(
  `@llamaindex/workflows-client in headless Chromium, from another origin${chromiumSkipReason}`,
  () => {
    let browser: Browser;
    let site: StaticOrigin;
    const servers: RunningServer[] = [];

    /** A stepchart server serving the approval example, with these CORS options (none: CORS off). */
    async function startApi(cors?: CorsOptions): Promise<string> {
      const server = await serve(createServer({ workflows: { approval }, ...(cors ? { cors } : {}) }), { port: 0 });
      servers.push(server);
      return `http://${server.host}:${server.port}`;
    }

    /** Opens the page against `api`, recording every URL it requests and what its console says. */
    async function openPage(api: string): Promise<{ page: Page; requests: string[]; logged: string[] }> {
      const page = await browser.newPage();
      const requests: string[] = [];
      const logged: string[] = [];
      page.on("request", (request) => requests.push(request.url()));
      page.on("console", (message) => logged.push(`${message.type()}: ${message.text()}`));
      await page.goto(`${site.origin}/?api=${encodeURIComponent(api)}`);
      return { page, requests, logged };
    }

    /** Waits for the page to reach `state`, or to fail: a failure shows the page's error at once. */
    async function reach(page: Page, state: string): Promise<void> {
      await page.waitForSelector(`body[data-state=${state}], body[data-state=error]`);
      const reached = { state: await page.getAttribute("body", "data-state"), error: await page.textContent("#error") };
      expect(reached).toEqual({ state, error: state === "error" ? reached.error : "" });
    }

    const eventList = (page: Page) => page.$$eval("#events li", (items) => items.map((li) => li.textContent));

    beforeAll(async () => {
      site = await serveStatic({
        "/": { file: join(fixtures, "approval-page.html"), type: "text/html; charset=utf-8" },
        "/workflows-client.mjs": { file: clientBuild, type: "text/javascript; charset=utf-8" },
      });
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await Promise.all(servers.map((server) => server.close()));
      await site?.close();
    });

    it("starts a run, streams its events, answers the prompt with a click and shows the result", async () => {
      const api = await startApi({ origin: site.origin });
      expect(new URL(api).origin).not.toBe(site.origin);
      const { page, requests, logged } = await openPage(api);

      await reach(page, "waiting");
      expect(await page.textContent("#prompt-text")).toBe(PROMPT);
      expect(await page.textContent("#draft")).toContain("Announcing tea");
      expect(await eventList(page)).toEqual(["InputRequiredEvent"]);

      await page.getByRole("button", { name: "Approve" }).click();
      await reach(page, "done");
      expect(await eventList(page)).toEqual(["InputRequiredEvent", "StopEvent"]);
      expect(await page.textContent("#result")).toBe(
        "approved: Announcing tea: event-driven workflows, compiled to statecharts.",
      );
      expect(await page.isHidden("#prompt")).toBe(true);

      // The server agrees: the run the page started completed, approved.
      const handlerId = await page.getAttribute("#events", "data-handler-id");
      const handler = await (await fetch(`${api}/handlers/${handlerId}`)).json();
      expect(handler).toMatchObject({
        workflow_name: "approval",
        status: "completed",
        result: { type: "StopEvent", value: { result: { approved: true, revisions: 0 } } },
      });

      // A reconnect from the page sends Last-Event-ID, which is not a CORS-safelisted header: the
      // preflight lets it through and the server resumes after it (the StopEvent, position 1, only).
      const replay = await page.evaluate(
        async ({ api, handlerId }) => {
          const response = await fetch(`${api}/events/${handlerId}`, { headers: { "Last-Event-ID": "0" } });
          return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
        },
        { api, handlerId },
      );
      expect(replay.status).toBe(200);
      expect(replay.type).toContain("text/event-stream");
      expect(replay.text).toContain("id: 1\n");
      expect(replay.text).toContain('"type":"StopEvent"');
      expect(replay.text).not.toContain("InputRequiredEvent");

      // Nothing but the two local origins: the page, the client build and the API.
      for (const url of requests) expect([site.origin, api]).toContain(new URL(url).origin);
      expect(requests).toContain(`${site.origin}/workflows-client.mjs`);
      expect(requests).toContain(`${api}/events/${handlerId}?after_sequence=-1`); // the client's SSE read
      expect(logged).toEqual([]); // no CORS complaint, no failed load
      await page.close();
    });

    it.each([
      ["with CORS off", undefined],
      ["allowing another origin only", { origin: "https://app.example" }],
    ] as const)("cannot drive a server %s: the preflight fails, and no run starts", async (_name, cors) => {
      const api = await startApi(cors);
      const { page, logged } = await openPage(api);
      await reach(page, "error");
      expect(await page.textContent("#error")).toBe("start: TypeError: Failed to fetch");
      // "Failed to fetch" is also what a refused connection says: Chromium's own message says CORS.
      const blocked = `Access to fetch at '${api}/workflows/approval/run-nowait' from origin '${site.origin}' has been blocked by CORS policy`;
      await expect.poll(() => logged.some((line) => line.includes(blocked))).toBe(true);
      expect(await eventList(page)).toEqual([]);
      // The POST carries a JSON body, so the browser asks first and, refused, never sends it.
      expect(await (await fetch(`${api}/handlers`)).json()).toEqual({ handlers: [] });
      await page.close();
    });
  },
);
