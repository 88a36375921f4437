/**
 * The watcher (src/cli/display/watch.ts) driven in-process: a real run, a display that records
 * what it is told, and an `ask` that stands for the person at the terminal.
 */
import { describe, expect, it } from "vitest";
import type { RunDisplay } from "../../src/cli/display/display.js";
import { routedTypes } from "../../src/cli/display/display.js";
import type { RunOutcome } from "../../src/cli/display/outcome.js";
import { type AskPrompt, watchRun } from "../../src/cli/display/watch.js";
import type { AnyEvent } from "../../src/events/types.js";
import { HumanResponseEvent, MemoryStore } from "../../src/index.js";
import { revise } from "./fixtures/revise.js";

/** What the display was told, in order: item types, and the pauses a prompt makes. */
function recordingDisplay(): RunDisplay & { readonly said: string[] } {
  const said: string[] = [];
  return {
    said,
    begin: () => said.push("begin"),
    item: (event: AnyEvent) => said.push(event.type === "InputRequiredEvent" ? `prompt ${event.prefix}` : event.type),
    pause: () => said.push("pause"),
    resume: () => said.push("resume"),
    note: (text) => said.push(`note ${text}`),
    end: (outcome: RunOutcome) => said.push(`end ${outcome.status}`),
    close: () => said.push("close"),
  };
}

const noSignals = { on: () => undefined, off: () => undefined };

/** Rejects after `ms`: a watcher stuck on a prompt nobody will answer fails the test, not its timeout. */
const within = <T>(ms: number, promise: Promise<T>, what: string) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms)),
  ]);

describe("watchRun: a prompt answered elsewhere", () => {
  it("closes the prompt on the terminal when another process answers it, and asks the one that replaced it", async () => {
    // A short lease: the runner here renews it (and takes what the store's inbox holds) every 100 ms.
    const store = new MemoryStore({ leaseMs: 300 });
    const handler = revise.run({ topic: "tea" }, { store, runId: "r-1" });
    const asked: { prefix: unknown; closedBy: "answer" | "abort" | undefined }[] = [];
    const ask: AskPrompt = (prompt, signal) => {
      const entry = { prefix: prompt.prefix, closedBy: undefined as "answer" | "abort" | undefined };
      asked.push(entry);
      if (asked.length === 1) {
        // The person looks at round 1; meanwhile someone answers it through the store.
        void revise.sendEvent("r-1", HumanResponseEvent({ response: "shorter" }), { store });
        return new Promise((resolve) =>
          signal.addEventListener("abort", () => {
            entry.closedBy = "abort";
            resolve(undefined);
          }),
        );
      }
      entry.closedBy = "answer";
      return Promise.resolve("yes");
    };
    const display = recordingDisplay();
    const outcome = await within(
      5_000,
      watchRun(handler, {
        display,
        ask,
        stored: { runId: "r-1", store: "memory", file: "revise.ts" },
        signals: noSignals,
        run: { workflow: "revise", runId: "r-1", resumed: false, routed: routedTypes(revise.definition) },
      }),
      "the watcher was still asking the answered prompt",
    ).finally(() => handler.cancel());

    expect(asked).toEqual([
      { prefix: "Round 1: approve?", closedBy: "abort" },
      { prefix: "Round 2: approve?", closedBy: "answer" },
    ]);
    expect(outcome).toEqual({ status: "completed", result: { rounds: 2, answers: ["shorter", "yes"] } });
    // Nothing was drawn while a prompt held the terminal: every pause is followed by its resume,
    // and the items that came meanwhile are shown after it.
    const { said } = display;
    const firstPause = said.indexOf("pause");
    expect(said.slice(firstPause, firstPause + 3)).toEqual([
      "pause",
      "resume",
      "note The prompt was answered elsewhere.",
    ]);
    expect(said.filter((s) => s === "pause").length).toBe(said.filter((s) => s === "resume").length);
    expect(said.indexOf("prompt Round 2: approve?")).toBeGreaterThan(firstPause);
    expect(said.at(-2)).toBe("end completed");
  });
});
