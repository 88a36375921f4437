/**
 * The core in a browser: the built package's root entry, bundled by esbuild for the browser (no
 * Node polyfills, nothing external), runs an approval workflow in headless Chromium. A person
 * answers its prompt in the page, a MemoryStore keeps the run, and snapshots are signed and
 * verified there with the same bytes Node gives.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HumanResponseEvent } from "../../src/index.js";
import { canonicalJson, type WorkflowSnapshot } from "../../src/persistence/snapshot.js";
import { buildPackage } from "../support/built-package.js";
import { chromiumSkipReason, hasChromium, launchChromium } from "../support/chromium.js";
import { approval, SECRET } from "./fixtures/approval.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** The fixtures import the sources' entry; the page gets the built package's instead. */
const shippedEntry = (dist: string): Plugin => ({
  name: "shipped-entry",
  setup(bundler) {
    bundler.onResolve({ filter: /\/src\/index\.js$/ }, () => ({ path: join(dist, "index.js") }));
  },
});

const html = `<!doctype html><meta charset="utf-8"><title>stepchart in a browser</title><link rel="icon" href="data:,">
<form id="start"><input id="topic"><button>Start</button></form>
<p id="prompt"></p><input id="answer"><button id="send">Send</button>
<pre id="result"></pre><script type="module" src="/app.js"></script>`;

/** Serves the page and its bundle on 127.0.0.1 (a secure context, as a deployed https page is). */
function servePage(bundle: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const script = request.url === "/app.js";
    response.writeHead(script || request.url === "/" ? 200 : 404, {
      "content-type": script ? "text/javascript" : "text/html",
    });
    response.end(script ? bundle : request.url === "/" ? html : "");
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ server, origin: `http://127.0.0.1:${port}` });
    }),
  );
}

describe.skipIf(!hasChromium)(`the core in headless Chromium${chromiumSkipReason}`, () => {
  let browser: Browser;
  let served: { server: Server; origin: string };
  let inputs: string[];
  let disposePackage: () => void = () => undefined;

  beforeAll(async () => {
    const shipped = await buildPackage();
    disposePackage = shipped.dispose;
    const bundled = await build({
      entryPoints: [join(root, "test/portability/fixtures/page-app.ts")],
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
      // The temporary build has no node_modules: its dependencies come from this repository's.
      nodePaths: [join(root, "node_modules")],
      plugins: [shippedEntry(join(shipped.dir, "dist"))],
    });
    inputs = Object.keys(bundled.metafile.inputs);
    served = await servePage(bundled.outputFiles[0]?.text ?? "");
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (served ? served.server.close(resolve) : resolve(undefined)));
    disposePackage();
  });

  /** Opens the page, recording every URL it requests and anything it reports. */
  async function openPage(): Promise<{ page: Page; requests: string[]; problems: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const problems: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
    await page.goto(`${served.origin}/`);
    await page.waitForSelector("body[data-ready=true]");
    return { page, requests, problems };
  }

  it("bundles the built root entry for the browser with no node: module in it", () => {
    expect(inputs.some((input) => input.endsWith("dist/index.js"))).toBe(true);
    expect(inputs.filter((input) => input.startsWith("node:"))).toEqual([]);
    // The package's own sources are not bundled: the page runs what ships.
    expect(inputs.filter((input) => /^src\//.test(input))).toEqual([]);
  });

  it("runs a workflow whose prompt a person answers in the page, keeping the run in a MemoryStore", async () => {
    const { page, requests, problems } = await openPage();
    await page.fill("#topic", "stepchart in a tab");
    await page.click("#start button");
    await page.waitForSelector('#prompt:has-text("Approve")');
    expect(await page.textContent("#prompt")).toBe("Approve this draft? Announcing stepchart in a tab");
    await page.fill("#answer", "say it runs offline");
    await page.click("#send");
    await page.waitForSelector('#prompt:has-text("revised")');
    await page.fill("#answer", "yes");
    await page.click("#send");
    await page.waitForSelector("#result:not(:empty)");
    expect(JSON.parse((await page.textContent("#result")) ?? "null")).toEqual({
      decision: {
        approved: true,
        draft: "Announcing stepchart in a tab (revised: say it runs offline)",
        revisions: 1,
        feedback: ["say it runs offline"],
      },
      stored: "completed",
      // No host or pid in a browser: the runner id is random alone.
      owner: expect.stringMatching(/^runtime-[0-9a-f]{16}$/),
    });
    expect(problems).toEqual([]);
    expect(requests.every((url) => url.startsWith(served.origin))).toBe(true);
    await page.close();
  });

  it("signs a snapshot in the page with the bytes Node's HMAC gives, verifies and resumes it there", async () => {
    const { page, problems } = await openPage();
    const snapshot = (await page.evaluate(() =>
      (globalThis as any).portability.snapshotAtPrompt("signed in a tab"),
    )) as WorkflowSnapshot;
    const { signature, ...body } = snapshot;
    expect(signature).toBe(createHmac("sha256", SECRET).update(canonicalJson(body)).digest("hex"));

    const resume = (value: unknown) =>
      page.evaluate((s) => (globalThis as any).portability.resumeAndApprove(s), value as never);
    expect(await resume(snapshot)).toEqual({
      decision: { approved: true, draft: "Announcing signed in a tab", revisions: 0, feedback: [] },
    });
    const altered = JSON.parse(JSON.stringify(snapshot));
    altered.machine.context.state.draft = "Announcing something else";
    expect(await resume(altered)).toEqual({ error: expect.stringMatching(/^SNAPSHOT: .*signature does not match/) });
    expect(await resume(body)).toEqual({
      error: expect.stringMatching(/^SNAPSHOT: .*not signed/),
    });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("resumes in the page a snapshot signed by Node, and in Node one signed by the page", async () => {
    const { page } = await openPage();
    const inNode = approval.run({ topic: "from Node" });
    for await (const ev of inNode.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const fromNode = inNode.snapshot();
    inNode.cancel();
    await inNode.catch(() => undefined);
    expect(await page.evaluate((s) => (globalThis as any).portability.resumeAndApprove(s), fromNode as never)).toEqual({
      decision: { approved: true, draft: "Announcing from Node", revisions: 0, feedback: [] },
    });

    const fromPage = (await page.evaluate(() =>
      (globalThis as any).portability.snapshotAtPrompt("from the page"),
    )) as WorkflowSnapshot;
    const resumed = approval.resume(fromPage);
    resumed.sendEvent(HumanResponseEvent({ response: "yes" }));
    expect(await resumed).toEqual({ approved: true, draft: "Announcing from the page", revisions: 0, feedback: [] });
    await page.close();
  });
});
