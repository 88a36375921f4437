import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { type Context, StartEvent, StopEvent, step, Workflow, workflow } from "../../src/index.js";

const State = z.object({
  turns: z.number().default(0),
  log: z.array(z.string()).default([]),
  topic: z.string().optional(),
  owner: z.string(),
  limit: z.number().prefault(3),
});

describe("ctx.update with a state schema", () => {
  it("gives a key with a .default() (or .prefault()) its value, never undefined", () => {
    workflow({ name: "state", state: State }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const turns = ctx.update("turns", (n) => {
        expectTypeOf(n).toEqualTypeOf<number>();
        return n + 1;
      });
      expectTypeOf(turns).toEqualTypeOf<number>();
      ctx.update("log", (log) => [...log, "seen"]);
      ctx.update("limit", (limit) => {
        expectTypeOf(limit).toEqualTypeOf<number>();
        return limit - 1;
      });
      // A default parameter, as written before, still type-checks.
      ctx.update("turns", (n = 0) => n + 1);
      return StopEvent({ result: turns });
    });
  });

  it("keeps undefined for a key that may be missing: optional, or required without a default", () => {
    workflow({ name: "state", state: State }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      ctx.update("topic", (topic) => {
        expectTypeOf(topic).toEqualTypeOf<string | undefined>();
        return `${topic ?? ""}!`;
      });
      ctx.update("owner", (owner) => {
        expectTypeOf(owner).toEqualTypeOf<string | undefined>();
        return owner ?? "me";
      });
      // @ts-expect-error the owner may not be set yet
      ctx.update("owner", (owner) => owner.toUpperCase());
      // @ts-expect-error the callback returns the key's type
      ctx.update("turns", (n) => `${n}`);
      // @ts-expect-error unknown state key
      ctx.update("nope", () => 1);
      return null;
    });
  });

  it("leaves get/set and the free state (no schema) as they were", () => {
    workflow({ name: "state", state: State }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      expectTypeOf(ctx.get("turns")).toEqualTypeOf<number>();
      expectTypeOf(ctx.get("topic")).toEqualTypeOf<string | undefined>();
      ctx.set("log", ["a"]);
      // @ts-expect-error wrong value type
      ctx.set("turns", "1");
      return null;
    });
    workflow({ name: "free" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      ctx.update("count", (n: number | undefined) => (n ?? 0) + 1);
      const count = ctx.update<number>("count", (n) => {
        expectTypeOf(n).toEqualTypeOf<number | undefined>();
        return (n ?? 0) + 1;
      });
      expectTypeOf(count).toEqualTypeOf<number>();
      return null;
    });
  });

  it("class form: the erased Context keeps the free state", () => {
    class Counter extends Workflow {
      @step({ accepts: StartEvent, emits: [StopEvent] })
      async count(ctx: Context, _ev: StartEvent) {
        return StopEvent({ result: ctx.update("calls", (n: number | undefined) => (n ?? 0) + 1) });
      }
    }
    expectTypeOf(new Counter().run()).resolves.toBeUnknown();
  });
});
