import { describe, expect, it } from "vitest";
import { z } from "zod";
import { definitionHash } from "../../src/definition/hash.js";
import {
  type AnyEventDef,
  defineEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  workflow,
} from "../../src/index.js";

const Query = defineEvent("Query", { q: z.string() });
const noop = async () => undefined;

function base(name = "h", query: AnyEventDef = Query) {
  return workflow({ name })
    .step("a", { accepts: StartEvent, emits: [query] }, noop)
    .step("b", { accepts: query, emits: [StopEvent] }, noop);
}

describe("definitionHash", () => {
  it("is a 28-character hex string", () => {
    expect(definitionHash(base().definition)).toMatch(/^[0-9a-f]{28}$/);
  });

  it("is stable for the same definition built twice", () => {
    const h1 = definitionHash(base().definition);
    const h2 = definitionHash(base().definition);
    expect(h2).toBe(h1);
    expect(base().definitionHash).toBe(h1);
  });

  it("ignores step function bodies, retry and timeout", () => {
    const other = workflow({ name: "h" })
      .step("a", { accepts: StartEvent, emits: [Query], retry: { attempts: 3 }, timeout: 50 }, async () =>
        Query({ q: "x" }),
      )
      .step("b", { accepts: Query, emits: [StopEvent] }, () => null);
    expect(definitionHash(other.definition)).toBe(definitionHash(base().definition));
  });

  it("is the same for an equal schema defined separately", () => {
    const Query2 = defineEvent("Query", { q: z.string() });
    expect(definitionHash(base("h", Query2).definition)).toBe(definitionHash(base().definition));
  });

  it("changes when the workflow name changes", () => {
    expect(definitionHash(base("other").definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when a step is added", () => {
    const more = base().step("c", { accepts: Query, emits: [] }, noop);
    expect(definitionHash(more.definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when a step is renamed", () => {
    const renamed = workflow({ name: "h" })
      .step("a", { accepts: StartEvent, emits: [Query] }, noop)
      .step("b2", { accepts: Query, emits: [StopEvent] }, noop);
    expect(definitionHash(renamed.definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when a step's emits change", () => {
    const Other = defineEvent("Other", {});
    const changed = workflow({ name: "h" })
      .step("a", { accepts: StartEvent, emits: [Query, Other] }, noop)
      .step("b", { accepts: Query, emits: [StopEvent] }, noop);
    expect(definitionHash(changed.definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when a step's awaits change", () => {
    const changed = workflow({ name: "h" })
      .step("a", { accepts: StartEvent, emits: [Query], awaits: [Query] }, noop)
      .step("b", { accepts: Query, emits: [StopEvent] }, noop);
    expect(definitionHash(changed.definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when numWorkers changes", () => {
    const changed = workflow({ name: "h" })
      .step("a", { accepts: StartEvent, emits: [Query], numWorkers: 2 }, noop)
      .step("b", { accepts: Query, emits: [StopEvent] }, noop);
    expect(definitionHash(changed.definition)).not.toBe(definitionHash(base().definition));
  });

  it("changes when an event schema changes", () => {
    const widened = defineEvent("Query", { q: z.string(), k: z.number() });
    const retyped = defineEvent("Query", { q: z.number() });
    const h = definitionHash(base().definition);
    expect(definitionHash(base("h", widened).definition)).not.toBe(h);
    expect(definitionHash(base("h", retyped).definition)).not.toBe(h);
  });

  it("changes when the start or stop schema changes", () => {
    const h = definitionHash(base().definition);
    const Q = startEvent({ q: z.string() });
    const typedStart = workflow({ name: "h", start: Q })
      .step("a", { accepts: Q, emits: [Query] }, noop)
      .step("b", { accepts: Query, emits: [StopEvent] }, noop);
    const Done = stopEvent(z.number());
    const typedStop = workflow({ name: "h", stop: Done })
      .step("a", { accepts: StartEvent, emits: [Query] }, noop)
      .step("b", { accepts: Query, emits: [Done] }, noop);
    expect(definitionHash(typedStart.definition)).not.toBe(h);
    expect(definitionHash(typedStop.definition)).not.toBe(h);
  });

  it("changes when the state schema changes", () => {
    const withState = (state: z.ZodObject) =>
      workflow({ name: "h", state })
        .step("a", { accepts: StartEvent, emits: [Query] }, noop)
        .step("b", { accepts: Query, emits: [StopEvent] }, noop);
    const h1 = definitionHash(withState(z.object({ count: z.number() })).definition);
    const h2 = definitionHash(withState(z.object({ count: z.string() })).definition);
    expect(h1).not.toBe(h2);
    expect(h1).not.toBe(definitionHash(base().definition));
  });

  it("is computed for recursive and very deep schemas (no RangeError)", () => {
    type Tree = { children: Tree[] };
    const TreeSchema: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(TreeSchema) }));
    let deep: z.ZodType = z.string();
    for (let i = 0; i < 5_000; i++) deep = z.object({ next: deep });
    for (const schema of [TreeSchema, deep])
      expect(definitionHash(base("h", defineEvent("Query", { q: schema })).definition)).toMatch(/^[0-9a-f]{28}$/);
  });
});
