import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  defineEvent,
  type EventOf,
  StartEvent,
  StopEvent,
  step,
  Workflow,
  workflow,
} from "../../src/index.js";

const Retrieve = defineEvent("Retrieve", { query: z.string(), nodes: z.array(z.string()) });
type Retrieve = EventOf<typeof Retrieve>;

class RAGWorkflow extends Workflow {
  @step({ accepts: StartEvent, emits: [Retrieve] })
  async retrieve(_ctx: Context, ev: StartEvent) {
    return Retrieve({ query: String(ev.query), nodes: [`${String(ev.query)} facts`] });
  }

  @step({ accepts: Retrieve, emits: [StopEvent], numWorkers: 2 })
  async synthesise(ctx: Context, ev: Retrieve) {
    return StopEvent({ result: `${ev.nodes.join(" ")} via ${ctx.runId === "" ? "?" : "run"}` });
  }

  helper() {
    return "not a step";
  }
}

describe("class form with @step", () => {
  it("runs like the builder", async () => {
    const wf = new RAGWorkflow({ name: "rag-class", timeout: 5_000 });
    await expect(wf.run({ query: "owls" })).resolves.toBe("owls facts via run");
  });

  it("produces the same definition shape as the builder", () => {
    const fromClass = new RAGWorkflow({ name: "rag" }).definition;
    const fromBuilder = workflow({ name: "rag" })
      .step("retrieve", { accepts: StartEvent, emits: [Retrieve] }, async () => null)
      .step("synthesise", { accepts: Retrieve, emits: [StopEvent], numWorkers: 2 }, async () => null).definition;
    const shape = (d: typeof fromClass) =>
      d.steps
        .map((s) => ({
          name: s.name,
          accepts: s.accepts.map((e) => e.type),
          emits: s.emits.map((e) => e.type),
          workers: s.numWorkers,
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(shape(fromClass)).toEqual(shape(fromBuilder));
    expect(Object.isFrozen(fromClass)).toBe(true);
    expect(Object.isFrozen(fromClass.steps)).toBe(true);
  });

  it("lets a subclass override a step", async () => {
    class Shouty extends RAGWorkflow {
      @step({ accepts: Retrieve, emits: [StopEvent] })
      override async synthesise(_ctx: Context, ev: Retrieve) {
        return StopEvent({ result: ev.nodes.join(" ").toUpperCase() });
      }
    }
    const wf = new Shouty();
    expect(wf.definition.steps.map((s) => s.name).sort()).toEqual(["retrieve", "synthesise"]);
    await expect(wf.run({ query: "owls" })).resolves.toBe("OWLS FACTS");
  });
});
