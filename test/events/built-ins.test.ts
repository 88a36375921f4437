import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EventRejectedEvent,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepFinishedEvent,
  StepStartedEvent,
  StopEvent,
  startEvent,
  stopEvent,
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "../../src/index.js";

describe("StartEvent", () => {
  it("is loose: any JSON fields are kept", () => {
    expect(StartEvent({ query: "q", n: 2 })).toEqual({ type: "StartEvent", query: "q", n: 2 });
    expect(StartEvent()).toEqual({ type: "StartEvent" });
  });

  it("keeps its type even when the input carries a type field", () => {
    expect(StartEvent({ type: "Evil", a: 1 } as never)).toEqual({ type: "StartEvent", a: 1 });
  });
});

describe("startEvent", () => {
  it("makes a typed start event whose type is still StartEvent", () => {
    const QueryStart = startEvent({ query: z.string(), topK: z.number().default(3) });
    expect(QueryStart.type).toBe("StartEvent");
    expect(QueryStart({ query: "q" })).toEqual({ type: "StartEvent", query: "q", topK: 3 });
  });

  it("validates its fields", () => {
    const QueryStart = startEvent({ query: z.string() });
    expect(() => QueryStart({ query: 1 } as never)).toThrow(EventValidationError);
  });

  it("accepts a zod object", () => {
    const schema = z.object({ id: z.number() });
    const IdStart = startEvent(schema);
    expect(IdStart.schema).toBe(schema);
    // Cast: the shape overload of startEvent() also matches a ZodObject, so its factory is mistyped
    // (see the report: the FieldsSchema overload must come first). The runtime is right.
    const build = IdStart as unknown as (fields: { id: number }) => unknown;
    expect(build({ id: 7 })).toEqual({ type: "StartEvent", id: 7 });
  });
});

describe("StopEvent", () => {
  it("carries any result", () => {
    expect(StopEvent({ result: { a: [1] } })).toEqual({ type: "StopEvent", result: { a: [1] } });
    expect(StopEvent({ result: null })).toEqual({ type: "StopEvent", result: null });
  });
});

describe("stopEvent", () => {
  it("types and validates result while keeping type StopEvent", () => {
    const Answer = stopEvent(z.object({ text: z.string() }));
    expect(Answer.type).toBe("StopEvent");
    expect(Answer({ result: { text: "hi" } })).toEqual({ type: "StopEvent", result: { text: "hi" } });
    let err: unknown;
    try {
      Answer({ result: { text: 1 } } as never);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventValidationError);
    expect((err as EventValidationError).issues.map((i) => i.path)).toEqual(["result.text"]);
  });
});

describe("InputRequiredEvent", () => {
  it("has optional prefix and payload and keeps extra fields", () => {
    expect(InputRequiredEvent()).toEqual({ type: "InputRequiredEvent" });
    expect(InputRequiredEvent({ prefix: "ok? ", payload: [1], ticket: "T-1" })).toEqual({
      type: "InputRequiredEvent",
      prefix: "ok? ",
      payload: [1],
      ticket: "T-1",
    });
  });

  it("rejects a non-string prefix", () => {
    expect(() => InputRequiredEvent({ prefix: 3 } as never)).toThrow(EventValidationError);
  });
});

describe("HumanResponseEvent", () => {
  it("requires a string response and keeps extra fields", () => {
    expect(HumanResponseEvent({ response: "yes", by: "ann" })).toEqual({
      type: "HumanResponseEvent",
      response: "yes",
      by: "ann",
    });
    expect(() => HumanResponseEvent({} as never)).toThrow(EventValidationError);
  });
});

describe("terminal stream events", () => {
  it("WorkflowTimedOutEvent carries timeout and activeSteps", () => {
    expect(WorkflowTimedOutEvent({ timeout: 100, activeSteps: ["a"] })).toEqual({
      type: "WorkflowTimedOutEvent",
      timeout: 100,
      activeSteps: ["a"],
    });
    expect(() => WorkflowTimedOutEvent({ timeout: 100 } as never)).toThrow(EventValidationError);
  });

  it("WorkflowCancelledEvent has no fields", () => {
    expect(WorkflowCancelledEvent()).toEqual({ type: "WorkflowCancelledEvent" });
  });

  it("WorkflowFailedEvent allows a null step", () => {
    const ev = WorkflowFailedEvent({ step: null, error: { name: "E", message: "m" }, attempts: 0 });
    expect(ev).toEqual({ type: "WorkflowFailedEvent", step: null, error: { name: "E", message: "m" }, attempts: 0 });
    expect(() => WorkflowFailedEvent({ step: "s", error: { name: "E" }, attempts: 1 } as never)).toThrow(
      EventValidationError,
    );
  });
});

describe("trace events", () => {
  it("EventRejectedEvent carries the event and its issues", () => {
    const ev = EventRejectedEvent({ event: { type: "X" }, issues: [{ path: "a", message: "bad" }] });
    expect(ev.issues).toEqual([{ path: "a", message: "bad" }]);
  });

  it("StepStartedEvent and StepFinishedEvent validate their fields", () => {
    expect(StepStartedEvent({ step: "s", invocation: 1, event: "StartEvent" }).type).toBe("StepStartedEvent");
    expect(StepFinishedEvent({ step: "s", invocation: 1, status: "completed", output: null }).status).toBe("completed");
    expect(() => StepFinishedEvent({ step: "s", invocation: 1, status: "done", output: null } as never)).toThrow(
      EventValidationError,
    );
  });
});

/** A value nested `levels` objects deep: `{ next: { next: ... "bottom" } }`. */
function nested(levels: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < levels; i++) value = { next: value };
  return value;
}

describe("the loose built-ins keep only JSON", () => {
  const issuesOf = (build: () => unknown) => {
    try {
      build();
    } catch (err) {
      expect(err).toBeInstanceOf(EventValidationError);
      return (err as EventValidationError).issues;
    }
    throw new Error("expected an EventValidationError");
  };

  it("refuses a Date in a HumanResponseEvent, naming the field", () => {
    expect(issuesOf(() => HumanResponseEvent({ response: "yes", at: new Date() }))).toEqual([
      { path: "at", message: "is a Date instance (only plain objects are JSON)" },
    ]);
  });

  it("refuses non-JSON values in StartEvent's loose fields and InputRequiredEvent's payload, by path", () => {
    expect(issuesOf(() => StartEvent({ tags: new Set(["a"]) }))).toEqual([
      { path: "tags", message: "is a Set instance (only plain objects are JSON)" },
    ]);
    expect(issuesOf(() => InputRequiredEvent({ payload: { draft: { words: [1, Number.NaN] } } }))).toEqual([
      { path: "payload.draft.words.1", message: "is NaN (not a finite number)" },
    ]);
    expect(issuesOf(() => InputRequiredEvent({ payload: () => 1 }))).toEqual([
      { path: "payload", message: "is a function" },
    ]);
    expect(issuesOf(() => StopEvent({ result: 10n }))).toEqual([{ path: "result", message: "is a bigint" }]);
  });

  it("drops nothing it keeps: undefined properties are allowed (JSON leaves them out)", () => {
    expect(JSON.stringify(HumanResponseEvent({ response: "yes", note: undefined }))).toBe(
      '{"type":"HumanResponseEvent","response":"yes"}',
    );
  });

  it("refuses cyclic fields", () => {
    const payload: Record<string, unknown> = { title: "loop" };
    payload.self = payload;
    expect(issuesOf(() => InputRequiredEvent({ payload }))).toEqual([
      { path: "payload.self", message: "is a cycle (refers to an object that contains it)" },
    ]);
  });

  it("takes fields nested up to MAX_JSON_DEPTH (1000) levels, and refuses deeper ones", () => {
    // The fields object is a level: 999 more below it make 1000.
    expect(StartEvent({ data: nested(999) })).toMatchObject({ type: "StartEvent" });
    expect(() => StartEvent({ data: nested(1000) })).toThrow(EventValidationError);
    const [issue] = issuesOf(() => StartEvent({ data: nested(10_000) }));
    expect(issue?.message).toBe("is nested more than 1000 levels deep (the limit is 1000)");
    expect(issue?.path).toMatch(/^data\.next\.next\..*…\(\d+ more\)…/);
  });
});
