import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type Context,
  defineEvent,
  type EventOf,
  StartEvent,
  StopEvent,
  startEvent,
  step,
  Workflow,
  workflow,
} from "../../src/index.js";

interface Index {
  search(query: string, k: number): Promise<string[]>;
}
interface Resources {
  index: Index;
  llm?: { complete(prompt: string): Promise<string> };
}
const Query = startEvent({ query: z.string() });
const Retrieved = defineEvent("Retrieved", { query: z.string(), passages: z.array(z.string()) });
type Retrieved = EventOf<typeof Retrieved>;

describe("resources typed without values at definition time", () => {
  it("builder: `resources: {} as Resources` declares ctx.resources (no defaults: the run gives them)", () => {
    const rag = workflow({ name: "rag", start: Query, resources: {} as Resources }).step(
      "retrieve",
      { accepts: Query, emits: [StopEvent] },
      async (ctx, ev) => {
        expectTypeOf(ctx.resources).toEqualTypeOf<Resources>();
        expectTypeOf(ctx.resources.index.search(ev.query, 3)).resolves.toEqualTypeOf<string[]>();
        // @ts-expect-error not a declared resource
        ctx.resources.cache;
        // @ts-expect-error `llm` is optional
        await ctx.resources.llm.complete("");
        return StopEvent({ result: await ctx.resources.llm?.complete(ev.query) });
      },
    );
    const index: Index = { search: async () => [] };
    rag.run({ query: "q" }, { resources: { index } });
    // @ts-expect-error a resource of the wrong type
    rag.run({ query: "q" }, { resources: { index: { search: () => "nope" } } });
  });

  it("builder: default values still type the resources, and undeclared ones stay open", () => {
    const index: Index = { search: async () => [] };
    workflow({ name: "defaults", resources: { index } }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        expectTypeOf(ctx.resources).toEqualTypeOf<{ index: Index }>();
        return null;
      },
    );
    workflow({ name: "open" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      expectTypeOf(ctx.resources).toEqualTypeOf<Record<string, any>>();
      return null;
    });
  });

  it("class form: `ctx: Context<Resources>` types ctx.resources", () => {
    class Rag extends Workflow {
      @step({ accepts: StartEvent, emits: [Retrieved] })
      async retrieve(ctx: Context<Resources>, ev: StartEvent) {
        expectTypeOf(ctx.resources.index).toEqualTypeOf<Index>();
        const query = String(ev.query);
        return Retrieved({ query, passages: await ctx.resources.index.search(query, 3) });
      }

      @step({ accepts: Retrieved, emits: [StopEvent] })
      async synthesise(_ctx: Context, ev: Retrieved) {
        return StopEvent({ result: ev.passages.join(" ") });
      }
    }
    expectTypeOf(new Rag().run).toBeCallableWith({ query: "q" }, { resources: { index: {} } });
  });
});
