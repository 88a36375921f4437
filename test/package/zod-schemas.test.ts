/**
 * What a definition says about schemas that are not zod 4's, in the sources (the packed package
 * in an app on zod 3.25: zod-peer.test.ts). `zod3` is zod 3.25.76: its root export is zod 3, its
 * "zod/v4" zod 4.0.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod/v4";
import { z as z3 } from "zod3";
import { z as z3v4 } from "zod3/v4";
import {
  defineEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  WorkflowValidationError,
  workflow,
} from "../../src/index.js";

const fix =
  'stepchart takes zod 4 schemas: on zod 3.25 or later write `import { z } from "zod/v4"`, or upgrade to zod 4 (`npm install zod@4`)';

function problemsOf(define: () => unknown): readonly string[] {
  try {
    define();
  } catch (error) {
    if (error instanceof WorkflowValidationError) return error.problems;
    throw error;
  }
  throw new Error("defined without an error");
}

describe("schemas that are not zod 4's", () => {
  it("names each zod 3 field of a shape, and the fix once", () => {
    expect(problemsOf(() => defineEvent("Query", { q: z3.string(), k: z3.number(), ok: z.boolean() }))).toEqual([
      `field "q" is a zod 3 schema; ${fix}`,
      'field "k" is a zod 3 schema',
    ]);
  });

  it("names a zod 3 object given whole, a zod 3 result schema and a zod 3 state", () => {
    expect(problemsOf(() => defineEvent("Query", z3.object({ q: z3.string() })))).toEqual([
      `its fields are a zod 3 schema; ${fix}`,
    ]);
    expect(problemsOf(() => startEvent(z3.object({ q: z3.string() }) as never))).toEqual([
      `its fields are a zod 3 schema; ${fix}`,
    ]);
    expect(problemsOf(() => stopEvent(z3.string() as never))).toEqual([`its result schema is a zod 3 schema; ${fix}`]);
    const state = z3.object({ n: z3.number() }) as never;
    const withStep = () =>
      workflow({ name: "w", state }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () =>
        StopEvent({ result: 1 }),
      );
    expect(problemsOf(withStep)).toEqual([`option \`state\` is a zod 3 schema; ${fix}`]);
  });

  it("says what was given instead of a schema", () => {
    expect(problemsOf(() => defineEvent("Query", { q: "string" as never, n: null as never }))).toEqual([
      'field "q" is not a zod schema (got string)',
      'field "n" is not a zod schema (got null)',
    ]);
    expect(problemsOf(() => defineEvent("Query", [] as never))).toEqual([
      "its fields must be a shape ({ name: z.string() }) or a z.object(...), got an array",
    ]);
  });

  it("reports a bad name and bad fields together", () => {
    expect(problemsOf(() => defineEvent("StopEvent", { q: z3.string() }))).toEqual([
      'event name "StopEvent" is built in: use the built-in event, or startEvent()/stopEvent()',
      `field "q" is a zod 3 schema; ${fix}`,
    ]);
  });

  it('tells a zod 3 schema from a shape whose fields are named "_def" or "_zod"', () => {
    expect(problemsOf(() => defineEvent("Query", { _def: z3.string() }))).toEqual([
      `field "_def" is a zod 3 schema; ${fix}`,
    ]);
    expect(problemsOf(() => defineEvent("Query", { _zod: z3.string(), _def: z3.number() }))).toEqual([
      `field "_zod" is a zod 3 schema; ${fix}`,
      'field "_def" is a zod 3 schema',
    ]);
    const Legacy = defineEvent("Legacy", { _def: z.string() });
    expect(Legacy({ _def: "x" })).toEqual({ type: "Legacy", _def: "x" });
  });

  it('takes zod 3.25\'s "zod/v4" objects whole', () => {
    const schema = z3v4.object({ q: z3v4.string() });
    const Query = defineEvent("Query", schema as never);
    expect(Query.schema).toBe(schema);
    expect(Query({ q: "cats" } as never)).toEqual({ type: "Query", q: "cats" });
  });

  it('takes zod 3.25\'s "zod/v4" schemas: they are zod 4', () => {
    const Query = defineEvent("Query", { q: z3v4.string(), tags: z3v4.array(z3v4.string()).default([]) });
    expect(Query({ q: "cats" })).toEqual({ type: "Query", q: "cats", tags: [] });
    expect(() => Query({ q: 1 } as never)).toThrow(/Invalid event "Query": q: /);
  });
});
