import { describe, expect, it } from "vitest";
import { z } from "zod";
import { issuesOf, isTrusted, reservedEventNames } from "../../src/events/define-event.js";
import { defineEvent, EventValidationError, WorkflowValidationError } from "../../src/index.js";

const RetrieveEvent = defineEvent("RetrieveEvent", {
  query: z.string(),
  nodes: z.array(z.object({ text: z.string(), score: z.number() })),
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected the call to throw");
}

describe("defineEvent", () => {
  it("builds a plain event object whose type is the event name", () => {
    const ev = RetrieveEvent({ query: "q", nodes: [{ text: "t", score: 0.5 }] });
    expect(ev).toEqual({ type: "RetrieveEvent", query: "q", nodes: [{ text: "t", score: 0.5 }] });
    expect(Object.getPrototypeOf(ev)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(ev))).toEqual(ev);
  });

  it("exposes the type, the fields schema and the function name", () => {
    expect(RetrieveEvent.type).toBe("RetrieveEvent");
    expect(RetrieveEvent.name).toBe("RetrieveEvent");
    expect(RetrieveEvent.schema).toBeInstanceOf(z.ZodObject);
    expect(Object.keys(RetrieveEvent.schema.shape).sort()).toEqual(["nodes", "query"]);
  });

  it("accepts a zod object instead of a shape and keeps that object as the schema", () => {
    const schema = z.object({ n: z.number() });
    const Num = defineEvent("Num", schema);
    expect(Num.schema).toBe(schema);
    expect(Num({ n: 3 })).toEqual({ type: "Num", n: 3 });
  });

  it("applies zod defaults and strips unknown fields", () => {
    const Page = defineEvent("Page", { size: z.number().default(10) });
    expect(Page({})).toEqual({ type: "Page", size: 10 });
    expect(Page({ size: 2, extra: true } as never)).toEqual({ type: "Page", size: 2 });
  });

  it("builds an event with no fields when called without arguments", () => {
    const Ping = defineEvent("Ping", {});
    expect(Ping()).toEqual({ type: "Ping" });
  });

  it("throws EventValidationError naming the event and every issue path", () => {
    const err = catchError(() => RetrieveEvent({ query: 1, nodes: [{ text: "a", score: "x" }] } as never));
    expect(err).toBeInstanceOf(EventValidationError);
    const e = err as EventValidationError;
    expect(e.code).toBe("EVENT_VALIDATION");
    expect(e.eventType).toBe("RetrieveEvent");
    expect(e.issues.map((i) => i.path)).toEqual(["query", "nodes.0.score"]);
    expect(e.message).toContain('"RetrieveEvent"');
    expect(e.message).toContain("query:");
    expect(e.message).toContain("nodes.0.score:");
  });

  it("reports a missing required field by its path", () => {
    const e = catchError(() => RetrieveEvent({ query: "q" } as never)) as EventValidationError;
    expect(e.issues.map((i) => i.path)).toEqual(["nodes"]);
  });

  it("throws WorkflowValidationError for a field named type", () => {
    const err = catchError(() => defineEvent("Typed", { type: z.string() }));
    expect(err).toBeInstanceOf(WorkflowValidationError);
    expect((err as WorkflowValidationError).problems).toEqual([
      'event "Typed" declares a field named "type", which is reserved',
    ]);
  });

  it("throws WorkflowValidationError for a field named type in a zod object", () => {
    expect(() => defineEvent("Typed", z.object({ type: z.literal("x") }))).toThrow(WorkflowValidationError);
  });

  it("throws WorkflowValidationError for a name with the stepchart. prefix", () => {
    const err = catchError(() => defineEvent("stepchart.step.done", {})) as WorkflowValidationError;
    expect(err).toBeInstanceOf(WorkflowValidationError);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0]).toContain("reserved prefix");
    expect(err.message).toContain('Cannot define event "stepchart.step.done"');
  });

  it("throws WorkflowValidationError for a name with the xstate. prefix", () => {
    expect(() => defineEvent("xstate.init", {})).toThrow(WorkflowValidationError);
  });

  it.each(["StartEvent", "StopEvent", "InputRequiredEvent", "HumanResponseEvent"])(
    "throws WorkflowValidationError for the built-in name %s",
    (name) => {
      const err = catchError(() => defineEvent(name, {})) as WorkflowValidationError;
      expect(err).toBeInstanceOf(WorkflowValidationError);
      expect(err.problems[0]).toContain(`"${name}" is built in`);
    },
  );

  it("refuses every reserved runtime event name", () => {
    expect([...reservedEventNames].sort()).toEqual([
      "EventRejectedEvent",
      "HumanResponseEvent",
      "InputRequiredEvent",
      "StartEvent",
      "StepFinishedEvent",
      "StepStartedEvent",
      "StopEvent",
      "WorkflowCancelledEvent",
      "WorkflowFailedEvent",
      "WorkflowTimedOutEvent",
    ]);
    for (const name of reservedEventNames) expect(() => defineEvent(name, {})).toThrow(WorkflowValidationError);
  });

  it("throws WorkflowValidationError for an empty name", () => {
    expect(() => defineEvent("", {})).toThrow(WorkflowValidationError);
  });

  it("lists a bad name and a type field together", () => {
    const err = catchError(() => defineEvent("StopEvent", { type: z.string() })) as WorkflowValidationError;
    expect(err.problems).toHaveLength(2);
  });

  it("allows names that merely contain a reserved word", () => {
    expect(defineEvent("MyStopEvent", {}).type).toBe("MyStopEvent");
    expect(defineEvent("stepchartish", {}).type).toBe("stepchartish");
  });
});

describe("EventDef.is", () => {
  it("recognises objects by their type without validating fields", () => {
    expect(RetrieveEvent.is({ type: "RetrieveEvent" })).toBe(true);
    expect(RetrieveEvent.is({ type: "Other", query: "q", nodes: [] })).toBe(false);
    expect(RetrieveEvent.is(null)).toBe(false);
    expect(RetrieveEvent.is("RetrieveEvent")).toBe(false);
    expect(RetrieveEvent.is(undefined)).toBe(false);
  });
});

describe("EventDef.parse", () => {
  it("validates a whole event object and returns a fresh event", () => {
    const input = { type: "RetrieveEvent", query: "q", nodes: [] };
    const ev = RetrieveEvent.parse(input);
    expect(ev).toEqual(input);
    expect(ev).not.toBe(input);
  });

  it("throws EventValidationError at path type for another event type", () => {
    const e = catchError(() => RetrieveEvent.parse({ type: "Other", query: "q", nodes: [] })) as EventValidationError;
    expect(e).toBeInstanceOf(EventValidationError);
    expect(e.issues).toEqual([{ path: "type", message: 'expected "RetrieveEvent", got "Other"' }]);
  });

  it("throws EventValidationError for a non-object", () => {
    for (const value of [null, 3, "x", [1]]) {
      const e = catchError(() => RetrieveEvent.parse(value)) as EventValidationError;
      expect(e).toBeInstanceOf(EventValidationError);
      expect(e.issues[0]?.path).toBe("");
    }
  });

  it("throws EventValidationError for bad fields", () => {
    const e = catchError(() =>
      RetrieveEvent.parse({ type: "RetrieveEvent", query: 5, nodes: [] }),
    ) as EventValidationError;
    expect(e.issues.map((i) => i.path)).toEqual(["query"]);
  });
});

describe("isTrusted", () => {
  it("is true for factory-built events and false for copies", () => {
    const ev = RetrieveEvent({ query: "q", nodes: [] });
    expect(isTrusted(ev)).toBe(true);
    expect(isTrusted({ ...ev })).toBe(false);
    expect(isTrusted(RetrieveEvent.parse({ ...ev }))).toBe(true);
  });
});

describe("issuesOf", () => {
  it("joins zod issue paths with dots", () => {
    const result = z.object({ a: z.array(z.object({ b: z.string() })) }).safeParse({ a: [{ b: 1 }] });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(issuesOf(result.error).map((i) => i.path)).toEqual(["a.0.b"]);
  });
});

describe("deep and cyclic fields", () => {
  type Tree = { label: string; children: Tree[] };
  const TreeSchema: z.ZodType<Tree> = z.lazy(() => z.object({ label: z.string(), children: z.array(TreeSchema) }));
  const TreeEvent = defineEvent("TreeEvent", { tree: TreeSchema });

  function chain(levels: number): Tree {
    let tree: Tree = { label: "leaf", children: [] };
    for (let i = 0; i < levels; i++) tree = { label: `n${i}`, children: [tree] };
    return tree;
  }

  it("a recursive schema takes a shallow tree", () => {
    expect(TreeEvent({ tree: chain(3) }).tree.children[0]?.label).toBe("n1");
  });

  it("a recursive schema refuses a 10 000-level tree with EventValidationError, not a RangeError", () => {
    expect(() => TreeEvent({ tree: chain(10_000) })).toThrow(EventValidationError);
    expect(() => TreeEvent.parse({ type: "TreeEvent", tree: chain(10_000) })).toThrow(/nested more than 1000 levels/);
  });

  it("a recursive schema refuses a cyclic tree with EventValidationError", () => {
    const tree: Tree = { label: "root", children: [] };
    tree.children.push(tree);
    expect(() => TreeEvent({ tree })).toThrow(/tree\.children\.0: is a cycle/);
  });

  it("a schema that contains itself through a getter refuses a 10 000-level value too", () => {
    type Category = { name: string; sub?: Category | undefined };
    const CategorySchema: z.ZodType<Category> = z.object({
      name: z.string(),
      get sub() {
        return CategorySchema.optional();
      },
    });
    const CategoryEvent = defineEvent("CategoryEvent", { root: CategorySchema });
    let root: Category = { name: "leaf" };
    for (let i = 0; i < 10_000; i++) root = { name: `c${i}`, sub: root };
    expect(() => CategoryEvent({ root })).toThrow(/root\.sub\.sub.*: is nested more than 1000 levels/);
  });

  it("a z.unknown() field refuses a Map, naming its path", () => {
    const Blob = defineEvent("Blob", { data: z.unknown() });
    expect(() => Blob({ data: { index: new Map() } })).toThrow(
      'Invalid event "Blob": data.index: is a Map instance (only plain objects are JSON)',
    );
  });
});
