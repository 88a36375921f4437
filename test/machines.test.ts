import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJson, EXAMPLES_DOC, examplesDoc, generateMachines, MACHINES_DIR } from "../scripts/machines.js";

// machines/ holds the compiler's golden files: what it emits for every example workflow.
const emitted = generateMachines();
const checkedIn = readdirSync(MACHINES_DIR).filter((f) => f !== "README.md");

describe("machines/ (run `npm run machines` after changing the compiler on purpose)", () => {
  it("has exactly the files the compiler emits: machine config, view statechart and Mermaid per example", () => {
    expect(checkedIn.sort()).toEqual([...emitted.keys()].sort());
    expect(emitted.size).toBeGreaterThanOrEqual(7 * 3);
  });

  it.each([...emitted.keys()])("%s matches what the compiler emits now", (file) => {
    expect(readFileSync(join(MACHINES_DIR, file), "utf8")).toBe(emitted.get(file));
  });

  it("docs/examples.md shows the same diagram of every example", () => {
    expect(readFileSync(EXAMPLES_DOC, "utf8")).toBe(examplesDoc(emitted));
  });

  it("writes functions by name, so a changed action or guard shows in the diff", () => {
    const named = Object.assign(() => undefined, {});
    Object.defineProperty(named, "name", { value: "route" });
    expect(
      configJson({ on: { A: { actions: named, guard: Object.assign(() => true, { type: "xstate.guard" }) } } }),
    ).toBe(`${JSON.stringify({ on: { A: { actions: "route", guard: "xstate.guard" } } }, null, 2)}\n`);
  });
});
