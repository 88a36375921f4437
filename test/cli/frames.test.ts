/**
 * The frames a failed run shows under its last line: the user's, never stepchart's own, Node's or
 * an installed package's, wherever the app and the package live.
 */
import { describe, expect, it } from "vitest";
import { ownCodeOf, userFrames } from "../../src/cli/display/outcome.js";

describe("stepchart's own code, told from the user's", () => {
  it("is the package's last src/ or dist/, not an outer folder of the same name", () => {
    expect(ownCodeOf("file:///home/u/src/app/node_modules/stepchart/dist/cli.js")).toEqual([
      "/home/u/src/app/node_modules/stepchart/src/",
      "/home/u/src/app/node_modules/stepchart/dist/",
    ]);
    expect(ownCodeOf("file:///home/u/src/stepchart/src/cli/display/outcome.ts")).toEqual([
      "/home/u/src/stepchart/src/",
      "/home/u/src/stepchart/dist/",
    ]);
  });

  it("keeps the user's frames with a place in a file, first three", () => {
    const error = new Error("boom");
    error.stack = [
      "Error: boom",
      "    at callTheModel (/home/u/src/app/steps.ts:12:9)",
      "    at async Promise.all (index 0)",
      "    at Object.fn (/home/u/src/app/flow.ts:30:5)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "    at run (/home/u/src/app/node_modules/openai/core.js:1:1)",
      "    at main (/home/u/src/app/main.ts:3:1)",
      "    at more (/home/u/src/app/main.ts:4:1)",
    ].join("\n");
    expect(userFrames(error)).toEqual([
      "at callTheModel (/home/u/src/app/steps.ts:12:9)",
      "at Object.fn (/home/u/src/app/flow.ts:30:5)",
      "at main (/home/u/src/app/main.ts:3:1)",
    ]);
  });
});
