/**
 * What a person reads when a run fails: the rejection's `message`, `String(err)`, the top of
 * `err.stack` and `util.inspect(err)` (what Node prints for an uncaught one). The message says it
 * once, the stack starts at the user's code (never stepchart's or XState's frames), and the cause
 * is the user's own error with its own stack.
 */
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  SnapshotError,
  StepTimeoutError,
  StopEvent,
  startEvent,
  WorkflowStepError,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";
import { type ManualClock, useManualClock } from "../../src/testing/index.js";

const here = fileURLToPath(import.meta.url);
const Query = startEvent({ q: z.string() });
const shapes = ["statechart", "compact"] as const;

/** The user's code: a named function, so its frame is easy to find. */
function callTheModel(): never {
  throw new Error("model unreachable");
}

/** The stack's lines after its header. */
function framesOf(error: Error): string[] {
  const lines = (error.stack ?? "").split("\n");
  return lines.filter((line) => /^\s+at /.test(line));
}

/** A frame of stepchart's source or of XState: none may lead the stack a user sees. */
const internal = (frame: string) =>
  /[\\/]src[\\/](compiler|kernel|execution|runtime|events|definition|errors)/.test(frame) ||
  /node_modules[\\/]xstate/.test(frame);

/** What a person sees of `error`, checked the same way for every failure. */
function expectReadable(error: Error, header: string) {
  expect(error.message).toBe(header.slice(header.indexOf(": ") + 2));
  expect(String(error)).toBe(header);
  expect((error.stack ?? "").split("\n")[0]).toBe(header);
  const top = framesOf(error)[0];
  if (top !== undefined) expect(internal(top), `top frame: ${top}`).toBe(false);
  const printed = inspect(error);
  // Node prints an error without frames in brackets, its properties after it.
  const first = printed.split("\n")[0] ?? "";
  expect([header, `[${header}] {`]).toContain(first);
  // The message once before the cause chain (the cause prints its own).
  const beforeCause = printed.split("[cause]")[0] ?? "";
  expect(beforeCause.split(error.message).length - 1).toBe(1);
}

describe.each(shapes)("a failed run (%s shape)", (shape) => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = useManualClock();
  });
  afterEach(() => clock.restore());

  it("a step that throws: the step's name and its message, then the user's frames; the cause is the user's error", async () => {
    const wf = workflow({ name: "throws", start: Query, shape }).step(
      "answer",
      { accepts: Query, emits: [StopEvent] },
      async () => callTheModel(),
    );
    const error = (await wf.run({ q: "?" }).catch((e: unknown) => e)) as WorkflowStepError;
    expect(error).toBeInstanceOf(WorkflowStepError);
    expectReadable(error, 'WorkflowStepError: Step "answer" failed: model unreachable');
    expect(framesOf(error)[0]).toContain("callTheModel");
    expect(framesOf(error)[0]).toContain(here);
    const cause = error.cause as Error;
    expect(cause.message).toBe("model unreachable");
    expect(framesOf(cause)[0]).toContain("callTheModel");
    expect(inspect(error)).toContain("[cause]: Error: model unreachable");
  });

  it("a step whose retries run out: the attempts, once", async () => {
    const wf = workflow({ name: "retries", start: Query, shape }).step(
      "answer",
      { accepts: Query, emits: [StopEvent], retry: { attempts: 3, delay: 1_000 } },
      async () => callTheModel(),
    );
    const outcome = wf.run({ q: "?" }).catch((e: unknown) => e);
    await clock.advance(2_000);
    const error = (await outcome) as WorkflowStepError;
    expectReadable(error, 'WorkflowStepError: Step "answer" failed after 3 attempts: model unreachable');
    expect(framesOf(error)[0]).toContain("callTheModel");
  });

  it("a step that times out: the step named once, no frames of stepchart's timer", async () => {
    const wf = workflow({ name: "slow", start: Query, shape }).step(
      "answer",
      { accepts: Query, emits: [StopEvent], timeout: 10_000 },
      () => new Promise<null>(() => undefined),
    );
    const outcome = wf.run({ q: "?" }).catch((e: unknown) => e);
    await clock.advance(10_000);
    const error = (await outcome) as WorkflowStepError;
    expectReadable(error, 'WorkflowStepError: Step "answer" failed: timed out after 10000 ms');
    expect(error.cause).toBeInstanceOf(StepTimeoutError);
    expect(framesOf(error)).toEqual([]);
  });

  it("a run that times out: the message, with no frames of the machine that noticed", async () => {
    const wf = workflow({ name: "late", start: Query, shape, timeout: 5_000 }).step(
      "answer",
      { accepts: Query, emits: [StopEvent] },
      () => new Promise<null>(() => undefined),
    );
    const outcome = wf.run({ q: "?" }).catch((e: unknown) => e);
    await clock.advance(5_000);
    const error = (await outcome) as WorkflowTimeoutError;
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expectReadable(error, "WorkflowTimeoutError: Workflow timed out after 5000 ms; active steps: answer");
    expect(framesOf(error)).toEqual([]);
  });

  it("invalid input: thrown from run(), the stack starting at the line that called it", () => {
    const wf = workflow({ name: "typed", start: Query, shape }).step(
      "answer",
      { accepts: Query, emits: [StopEvent] },
      async () => StopEvent({ result: 1 }),
    );
    let error: EventValidationError | undefined;
    try {
      wf.run({ q: 1 } as never);
    } catch (e) {
      error = e as EventValidationError;
    }
    expect(error).toBeInstanceOf(EventValidationError);
    expectReadable(
      error as Error,
      'EventValidationError: Invalid event "StartEvent": q: Invalid input: expected string, received number',
    );
    expect(framesOf(error as Error)[0]).toContain(here);
  });

  it("a snapshot that cannot be resumed: thrown from resume(), the stack starting at the line that called it", () => {
    const wf = workflow({ name: "typed", start: Query, shape }).step(
      "answer",
      { accepts: Query, emits: [StopEvent] },
      async () => StopEvent({ result: 1 }),
    );
    let error: SnapshotError | undefined;
    try {
      wf.resume({ version: 99 } as never);
    } catch (e) {
      error = e as SnapshotError;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    expect(framesOf(error as Error)[0]).toContain(here);
    expect(String(error)).toBe(`SnapshotError: ${error?.message}`);
  });

  /** A snapshot of a run waiting for a person, taken with another definition: resuming it migrates. */
  async function olderSnapshot() {
    const wf = workflow({ name: "asks", start: Query, shape })
      .step("ask", { accepts: Query, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({ prefix: "?" }))
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const handler = wf.run({ q: "?" });
    for await (const event of handler.streamEvents()) if (event.type === "InputRequiredEvent") break;
    const snapshot = { ...handler.snapshot(), definitionHash: "an older definition" };
    handler.cancel();
    await handler.catch(() => undefined);
    return { wf, snapshot };
  }

  it("a migrate hook's own stepchart error: thrown from resume() as the hook threw it, its stack untouched", async () => {
    const { wf, snapshot } = await olderSnapshot();
    let made: { error: SnapshotError; stack: string | undefined } | undefined;
    function userMigrate(): never {
      const error = new SnapshotError("cannot migrate from v0: field x is gone");
      made = { error, stack: error.stack };
      throw error;
    }
    let thrown: unknown;
    try {
      wf.resume(snapshot, { migrate: userMigrate });
    } catch (e) {
      thrown = e;
    }
    expect(made).toBeDefined();
    expect(thrown).toBe(made?.error);
    expect(made?.error.stack).toBe(made?.stack);
    expect(framesOf(made?.error as Error)[0]).toContain("userMigrate");
  });

  it("a snapshot a migrate hook made that cannot be resumed: the stack starting at the line that called resume()", async () => {
    const { wf, snapshot } = await olderSnapshot();
    let error: SnapshotError | undefined;
    try {
      wf.resume(snapshot, { migrate: () => ({ version: 99 }) });
    } catch (e) {
      error = e as SnapshotError;
    }
    expect(error).toBeInstanceOf(SnapshotError);
    expect(framesOf(error as Error)[0]).toContain(here);
    expect(framesOf(error as Error)[0]).not.toContain("olderSnapshot");
  });
});
