/**
 * examples/telemetry.ts: the parallel-search example traced, its spans printed as a tree; offline,
 * and with a model (the local OpenAI-compatible server), whose call shows under the `merge` step.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../examples/telemetry.js";
import { type FakeOpenAI, startFakeOpenAI } from "../openai/server.js";

let server: FakeOpenAI;
beforeAll(async () => {
  server = await startFakeOpenAI();
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Runs the example with its console output captured, and returns the tree's lines. */
async function runExample(): Promise<{ printed: string[]; tree: string[] }> {
  const printed: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
  const tree = await main();
  return { printed, tree };
}

describe("examples/telemetry.ts", () => {
  it("prints the run's span and, under it, a span per step attempt with the collect that completed", async () => {
    const { printed, tree } = await runExample();
    expect(printed[0]).toMatch(/^3 hits from .*; the run's spans:$/);
    expect(tree[0]).toMatch(/^run parallel-search \([\d.]+ ms\) {2}status="completed"$/);
    const steps = tree.slice(1).map((line) => line.match(/^ {2}step (\w+) /)?.[1]);
    expect(steps.sort()).toEqual(["dispatch", "merge", "merge", "searchDocs", "searchFaq"]);
    expect(tree.filter((line) => line.includes("events: collect.completed"))).toHaveLength(1);
    expect(tree.find((line) => line.includes("step dispatch"))).toContain('emitted_events=["Search"]');
  });

  it("with a model, shows its call under the merge step, with the tokens it used", async () => {
    vi.stubEnv("OPENAI_BASE_URL", server.baseURL);
    vi.stubEnv("OPENAI_API_KEY", "test");
    vi.stubEnv("STEPCHART_MODEL", "test-model");
    const { tree } = await runExample();
    const merge = tree.findIndex((line) => line.includes("events: collect.completed"));
    expect(tree[merge + 1]).toMatch(
      /^ {4}chat test-model \([\d.]+ ms\) {2}model="test-model" {2}input_tokens=3 {2}output_tokens=\d+$/,
    );
  });
});
