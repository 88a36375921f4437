/**
 * What counts as a zod 4 schema and what as a shape: zod/mini's objects are zod 4 objects, a zod 4
 * schema that is not an object is no event's fields, and a shape may name its fields `_zod` or
 * `_def` (the keys zod keeps its internals under) without being taken for a schema.
 * Zod 3's schemas: test/package/zod-schemas.test.ts.
 */
import { describe, expect, it } from "vitest";
import * as zm from "zod/mini";
import { z } from "zod/v4";
import { defineEvent, StopEvent, startEvent, WorkflowValidationError, workflow } from "../../src/index.js";

function problemsOf(define: () => unknown): readonly string[] {
  try {
    define();
  } catch (error) {
    if (error instanceof WorkflowValidationError) return error.problems;
    throw error;
  }
  throw new Error("defined without an error");
}

describe("zod/mini schemas", () => {
  it("a zod/mini object is taken whole, as a classic one is", () => {
    const schema = zm.object({ q: zm.string(), k: zm._default(zm.number(), 3) });
    const Query = defineEvent("Query", schema as never);
    expect(Query.schema).toBe(schema);
    expect(Query({ q: "cats" } as never)).toEqual({ type: "Query", q: "cats", k: 3 });
    expect(() => Query({ q: 1 } as never)).toThrow(/Invalid event "Query": q: /);
  });

  it('a zod/mini object with a field named "type" is refused for that field', () => {
    expect(problemsOf(() => defineEvent("Query", zm.object({ type: zm.string() }) as never))).toEqual([
      'event "Query" declares a field named "type", which is reserved',
    ]);
  });

  it("a zod/mini start event validates a run's input", async () => {
    // The cast: the signatures take classic objects only (a zod/mini object types as a shape).
    const Start = startEvent(zm.object({ topic: zm.string() }) as unknown as z.ZodObject<{ topic: z.ZodString }>);
    const wf = workflow({ name: "mini", start: Start }).step(
      "echo",
      { accepts: Start, emits: [StopEvent] },
      async (_ctx, event) => StopEvent({ result: event.topic }),
    );
    await expect(wf.run({ topic: "owls" })).resolves.toBe("owls");
    await expect(async () => wf.run({ topic: 1 } as never)).rejects.toThrow(/topic: /);
  });
});

describe("a zod 4 schema that is not an object", () => {
  it("is refused as an event's fields, by its kind", () => {
    expect(problemsOf(() => defineEvent("Query", z.string() as never))).toEqual([
      "its fields must be a shape ({ name: z.string() }) or a z.object(...), got a zod string schema",
    ]);
    expect(problemsOf(() => defineEvent("Query", z.object({ q: z.string() }).transform((v) => v) as never))).toEqual([
      "its fields must be a shape ({ name: z.string() }) or a z.object(...), got a zod pipe schema",
    ]);
    expect(problemsOf(() => startEvent(zm.array(zm.string()) as never))).toEqual([
      "its fields must be a shape ({ name: z.string() }) or a z.object(...), got a zod array schema",
    ]);
  });
});

describe("shapes whose fields are named as zod's internals", () => {
  it('a field named "_def" is a field', () => {
    const Legacy = defineEvent("Legacy", { _def: z.string(), n: z.number() });
    expect(Legacy({ _def: "x", n: 1 })).toEqual({ type: "Legacy", _def: "x", n: 1 });
    expect(() => Legacy({ _def: 1, n: 1 } as never)).toThrow(/_def: /);
  });

  it('a field named "_zod" is a field, of a classic or a zod/mini schema', () => {
    const Classic = defineEvent("Classic", { _zod: z.string() });
    expect(Object.keys(Classic.schema.shape)).toEqual(["_zod"]);
    expect(Classic({ _zod: "x" })).toEqual({ type: "Classic", _zod: "x" });
    expect(() => Classic({ _zod: 1 } as never)).toThrow(/_zod: /);
    const Mini = defineEvent("Mini", { _zod: zm.string(), _def: zm.number() });
    expect(Mini({ _zod: "x", _def: 2 })).toEqual({ type: "Mini", _zod: "x", _def: 2 });
  });

  it('a field named "_zod" that is not a schema is named as such', () => {
    expect(problemsOf(() => defineEvent("Query", { _zod: { def: {} } } as never))).toEqual([
      'field "_zod" is not a zod schema (got a plain object)',
    ]);
  });
});

describe('a shape with a field named "_zod" in a recursive schema', () => {
  it("is walked as a shape: a 10 000-level value is refused, not a stack overflow", () => {
    type Tree = { _zod?: string | undefined; children: Tree[] };
    const TreeSchema: z.ZodType<Tree> = z.lazy(() =>
      z.object({ _zod: z.string().optional(), children: z.array(TreeSchema) }),
    );
    const TreeEvent = defineEvent("TreeEvent", { _zod: z.string().optional(), tree: TreeSchema });
    let tree: Tree = { children: [] };
    for (let i = 0; i < 10_000; i++) tree = { children: [tree] };
    expect(() => TreeEvent({ tree })).toThrow(
      /Invalid event "TreeEvent": tree\.children\.0.*: is nested more than 1000 levels/,
    );
  });
});
