import { describe, expect, it } from "vitest";
import { z } from "zod";
import { findProblems } from "../../src/definition/validate.js";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  WorkflowValidationError,
  workflow,
} from "../../src/index.js";

const A = defineEvent("A", { n: z.number() });
const B = defineEvent("B", {});
const C = defineEvent("C", {});
const noop = async () => undefined;

function problemsOf(wf: { validate(): void }): readonly string[] {
  try {
    wf.validate();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowValidationError);
    return (err as WorkflowValidationError).problems;
  }
  return [];
}

describe("findProblems", () => {
  it("finds nothing in a valid linear workflow", () => {
    const wf = workflow({ name: "ok" })
      .step("a", { accepts: StartEvent, emits: [A] }, noop)
      .step("b", { accepts: A, emits: [StopEvent] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
    expect(() => wf.validate()).not.toThrow();
  });

  it("reports a workflow with no steps", () => {
    expect(findProblems(workflow({}).definition)).toEqual(["the workflow has no steps"]);
  });

  it("reports that no step accepts the start event", () => {
    const wf = workflow({})
      .step("a", { accepts: A, emits: [StopEvent] }, noop)
      .step("b", { accepts: HumanResponseEvent, emits: [A] }, noop);
    expect(problemsOf(wf)).toContain("no step accepts the start event (StartEvent)");
  });

  it("counts a typed start event as the start event", () => {
    const Q = startEvent({ q: z.string() });
    const wf = workflow({ start: Q }).step("a", { accepts: Q, emits: [StopEvent] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports that no step emits a stop event", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [InputRequiredEvent] }, noop);
    expect(problemsOf(wf)).toEqual(["no step emits a stop event (StopEvent)"]);
  });

  it("reports steps that accept StopEvent", () => {
    const wf = workflow({})
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("z", { accepts: StopEvent, emits: [] }, noop)
      .step("m", { accepts: [A, StopEvent], emits: [] }, noop);
    expect(problemsOf(wf)).toContain("steps accept StopEvent, which ends the run: m, z");
  });

  it("reports events consumed but never produced, sorted", () => {
    const wf = workflow({})
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("c", { accepts: C, emits: [StopEvent] }, noop)
      .step("b", { accepts: B, emits: [StopEvent] }, noop);
    expect(problemsOf(wf)).toContain("events consumed but never produced: B, C");
  });

  it("counts StartEvent and HumanResponseEvent as produced", () => {
    const wf = workflow({})
      .step("a", { accepts: StartEvent, emits: [InputRequiredEvent] }, noop)
      .step("h", { accepts: HumanResponseEvent, emits: [StopEvent] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("counts external event types as produced", () => {
    const Approval = defineEvent("Approval", { ok: z.boolean() });
    const inner = workflow({ external: [Approval] })
      .step("a", { accepts: StartEvent, emits: [] }, noop)
      .step("b", { accepts: Approval, emits: [StopEvent] }, noop);
    expect(findProblems(inner.definition)).toEqual([]);
    const without = workflow({})
      .step("a", { accepts: StartEvent, emits: [] }, noop)
      .step("b", { accepts: Approval, emits: [StopEvent] }, noop);
    expect(findProblems(without.definition)).toContain("events consumed but never produced: Approval");
  });

  it("counts awaited types as consumed", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent, A], awaits: [A] }, noop);
    expect(findProblems(wf.definition)).not.toContain("events produced but never consumed: A");
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports awaited types that are never produced", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent], awaits: [B] }, noop);
    expect(problemsOf(wf)).toEqual(["events consumed but never produced: B"]);
  });

  it("reports events produced but never consumed, sorted", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent, C, A] }, noop);
    expect(problemsOf(wf)).toEqual(["events produced but never consumed: A, C"]);
  });

  it("lets StopEvent and InputRequiredEvent be terminal", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent, InputRequiredEvent] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports steps unreachable from StartEvent or HumanResponseEvent", () => {
    const wf = workflow({})
      .step("start", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("y", { accepts: A, emits: [B] }, noop)
      .step("x", { accepts: B, emits: [A, StopEvent] }, noop);
    expect(problemsOf(wf)).toEqual(["steps unreachable from StartEvent or HumanResponseEvent: x, y"]);
  });

  it("reaches steps through HumanResponseEvent", () => {
    const wf = workflow({})
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, noop)
      .step("answer", { accepts: HumanResponseEvent, emits: [A] }, noop)
      .step("finish", { accepts: A, emits: [StopEvent] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports steps with no path to StopEvent or InputRequiredEvent", () => {
    const wf = workflow({})
      .step("start", { accepts: StartEvent, emits: [StopEvent, A] }, noop)
      .step("loop2", { accepts: B, emits: [A] }, noop)
      .step("loop1", { accepts: A, emits: [B] }, noop);
    expect(problemsOf(wf)).toEqual(["steps with no path to StopEvent or InputRequiredEvent: loop1, loop2"]);
  });

  it("exempts side-effect steps with emits: []", () => {
    const wf = workflow({})
      .step("start", { accepts: StartEvent, emits: [StopEvent, A] }, noop)
      .step("log", { accepts: A, emits: [] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("treats an emitted event that only an awaiting step consumes as a path to the end", () => {
    // "approver" sends Approval; "ask" waits for it with ctx.waitForEvent and then returns StopEvent.
    const Approval = defineEvent("Approval", {});
    const wf = workflow({})
      .step("ask", { accepts: StartEvent, emits: [StopEvent], awaits: [Approval] }, noop)
      .step("approver", { accepts: StartEvent, emits: [Approval] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports duplicate step names", () => {
    const wf = workflow({})
      .step("b", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("b", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, noop);
    expect(problemsOf(wf)).toEqual(["duplicate step names: a, b"]);
  });

  it("reports two event definitions that share a name", () => {
    const A2 = defineEvent("A", { other: z.string() });
    const wf = workflow({})
      .step("s", { accepts: StartEvent, emits: [A, StopEvent] }, noop)
      .step("t", { accepts: A2, emits: [StopEvent] }, noop);
    expect(problemsOf(wf)).toEqual(["duplicate event names (two definitions share a type): A"]);
  });

  it("reports a step that accepts the built-in StartEvent where the workflow's start is typed", () => {
    const Q = startEvent({ q: z.string() });
    const wf = workflow({ start: Q })
      .step("a", { accepts: Q, emits: [StopEvent] }, noop)
      // @ts-expect-error the types refuse it too; this pins the run-time check for untyped callers
      .step("b", { accepts: StartEvent, emits: [StopEvent] }, noop);
    expect(problemsOf(wf)).toEqual([
      "steps name a definition of StartEvent other than the workflow's `start` (two definitions would share one type; use the workflow's own): b",
    ]);
  });

  it("reports a step that emits the built-in StopEvent where the workflow's stop is typed", () => {
    const Answer = stopEvent(z.object({ text: z.string() }));
    const wf = workflow({ stop: Answer })
      .step("a", { accepts: StartEvent, emits: [A] }, noop)
      // @ts-expect-error the types refuse it too; this pins the run-time check for untyped callers
      .step("b", { accepts: A, emits: [StopEvent] }, noop)
      .step("c", { accepts: HumanResponseEvent, emits: [Answer] }, noop);
    expect(problemsOf(wf)).toEqual([
      "steps name a definition of StopEvent other than the workflow's `stop` (two definitions would share one type; use the workflow's own): b",
    ]);
  });

  it("reports a typed stop event that is not the workflow's own", () => {
    const Answer = stopEvent(z.object({ text: z.string() }));
    // @ts-expect-error the types refuse it too; this pins the run-time check for untyped callers
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [Answer] }, noop);
    expect(problemsOf(wf)).toEqual([
      "steps name a definition of StopEvent other than the workflow's `stop` (two definitions would share one type; use the workflow's own): a",
    ]);
  });

  it("accepts the workflow's own typed start and stop events in every step", () => {
    const Q = startEvent({ q: z.string() });
    const Answer = stopEvent(z.string());
    const wf = workflow({ start: Q, stop: Answer })
      .step("a", { accepts: Q, emits: [A, Answer] }, noop)
      .step("b", { accepts: A, emits: [Answer] }, noop);
    expect(findProblems(wf.definition)).toEqual([]);
  });

  it("reports numWorkers below 1 or not an integer", () => {
    const wf = workflow({})
      .step("z", { accepts: StartEvent, emits: [StopEvent], numWorkers: 0 }, noop)
      .step("y", { accepts: StartEvent, emits: [StopEvent], numWorkers: -2 }, noop)
      .step("x", { accepts: StartEvent, emits: [StopEvent], numWorkers: 1.5 }, noop)
      .step("ok", { accepts: StartEvent, emits: [StopEvent], numWorkers: 1 }, noop);
    expect(problemsOf(wf)).toEqual(["numWorkers must be an integer >= 1 in steps: x, y, z"]);
  });

  it("reports a step timeout that is not positive", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent], timeout: 0 }, noop);
    expect(problemsOf(wf)).toEqual(["step timeout must be > 0 ms in steps: a"]);
  });

  it("reports retry.attempts below 1", () => {
    const wf = workflow({}).step("a", { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 0 } }, noop);
    expect(problemsOf(wf)).toEqual(["retry.attempts must be an integer >= 1 in steps: a"]);
  });

  it("reports steps that accept no event type", () => {
    const wf = workflow({})
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, noop)
      .step("empty", { accepts: [], emits: [] }, noop);
    expect(problemsOf(wf)).toContain("steps accept no event type: empty");
  });

  it("reports every problem at once, in a stable order", () => {
    const A2 = defineEvent("A", {});
    const wf = workflow({ name: "bad" })
      .step("dup", { accepts: A, emits: [B], numWorkers: 0 }, noop)
      .step("dup", { accepts: A2, emits: [C] }, noop)
      .step("stopper", { accepts: StopEvent, emits: [] }, noop);
    expect(findProblems(wf.definition)).toEqual([
      "duplicate step names: dup",
      "duplicate event names (two definitions share a type): A",
      "numWorkers must be an integer >= 1 in steps: dup",
      "no step accepts the start event (StartEvent)",
      "no step emits a stop event (StopEvent)",
      "steps accept StopEvent, which ends the run: stopper",
      "events consumed but never produced: A, StopEvent",
      "events produced but never consumed: B, C",
      "steps unreachable from StartEvent or HumanResponseEvent: dup, stopper",
      "steps with no path to StopEvent or InputRequiredEvent: dup",
    ]);
  });
});

describe("Workflow.validate", () => {
  it("throws one WorkflowValidationError naming the workflow and listing each problem", () => {
    const wf = workflow({ name: "broken" }).step("a", { accepts: A, emits: [B] }, noop);
    let err: unknown;
    try {
      wf.validate();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WorkflowValidationError);
    const e = err as WorkflowValidationError;
    expect(e.code).toBe("WORKFLOW_VALIDATION");
    expect(e.problems.length).toBeGreaterThanOrEqual(4);
    expect(e.message.startsWith('Workflow "broken" is invalid:\n')).toBe(true);
    for (const p of e.problems) expect(e.message).toContain(`  - ${p}`);
  });
});
