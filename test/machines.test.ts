import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJson, EXAMPLES_DOC, examplesDoc, generateMachines, MACHINES_DIR } from "../scripts/machines.js";
import { drawnStatechart } from "../src/compiler/view.js";

// machines/ holds the compiler's golden files: what it emits for every example workflow.
const emitted = generateMachines();
const checkedIn = readdirSync(MACHINES_DIR).filter((f) => f !== "README.md");

describe("machines/ (run `npm run machines` after changing the compiler on purpose)", () => {
  it("has exactly the files the compiler emits: machine config, its drawing, its model and Mermaid per example", () => {
    expect(checkedIn.sort()).toEqual([...emitted.keys()].sort());
    expect(emitted.size).toBeGreaterThanOrEqual(7 * 4);
  });

  const examples = [...emitted.keys()]
    .filter((f) => f.endsWith(".machine.json"))
    .map((f) => f.replace(".machine.json", ""));

  it.each(examples)("%s.view.json is %s.machine.json drawn: the same machine, not a picture beside it", (name) => {
    const machine = JSON.parse(readFileSync(join(MACHINES_DIR, `${name}.machine.json`), "utf8"));
    const view = JSON.parse(readFileSync(join(MACHINES_DIR, `${name}.view.json`), "utf8"));
    expect(view).toEqual(drawnStatechart(machine));
  });

  it.each(examples)("%s.model.json keeps, in each state, a value %s.machine.json has", (name) => {
    const machine = JSON.parse(readFileSync(join(MACHINES_DIR, `${name}.machine.json`), "utf8"));
    const model = JSON.parse(readFileSync(join(MACHINES_DIR, `${name}.model.json`), "utf8"));
    const regions = machine.states.running.states as Record<string, { states: Record<string, unknown> }>;
    for (const state of Object.values(model.states) as { meta: { value: unknown } }[]) {
      const value = state.meta.value;
      if (typeof value === "string") expect(Object.keys(machine.states)).toContain(value);
      else
        for (const [region, at] of Object.entries((value as { running: Record<string, string> }).running))
          expect(Object.keys(regions[region]?.states ?? {}), region).toContain(at);
    }
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
