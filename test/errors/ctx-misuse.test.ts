/**
 * A step that misuses `ctx` (a value that is not JSON, an event it does not declare, a state key
 * that is not set) fails with a stack that starts at the step's own line, not at stepchart's
 * checks; an undeclared event it returns is refused with no frames at all (its code has returned).
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { type AnyEvent, defineEvent, StartEvent, StopEvent, WorkflowStepError, workflow } from "../../src/index.js";

const here = fileURLToPath(import.meta.url);
const Other = defineEvent("Other", { n: z.number() });
/** An event whose schema runs the user's code, which throws for n > 1. */
function refuseBig(n: number): number {
  if (n > 1) throw new Error("too big for the user's transform");
  return n;
}
const Checked = defineEvent("Checked", { n: z.number().transform(refuseBig) });

/** The frame lines of an error's stack. */
const frames = (error: unknown): string[] =>
  String((error as Error).stack)
    .split("\n")
    .filter((line) => /^\s+at /.test(line));

/** Runs a one-step workflow whose body is `body`, and returns the rejection. */
async function failureOf(body: (ctx: never) => Promise<AnyEvent>): Promise<WorkflowStepError> {
  const wf = workflow({ name: "misuse" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, body as never);
  const error = await wf.run({}).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowStepError);
  return error as WorkflowStepError;
}

describe("a step's misuse of ctx points at the step", () => {
  it.each([
    ["ctx.set with a Date", (ctx: any) => ctx.set("when", new Date())],
    ["ctx.update returning a function", (ctx: any) => ctx.update("n", () => () => 1)],
    ["ctx.get of a key never set", (ctx: any) => ctx.get("missing")],
    ["ctx.sendEvent of an undeclared event", (ctx: any) => ctx.sendEvent(Other({ n: 1 }))],
    ["ctx.writeEventToStream of a non-event", (ctx: any) => ctx.writeEventToStream(42)],
    ["ctx.waitForEvent with an undeclared prompt", (ctx: any) => ctx.waitForEvent(Other, { prompt: Other({ n: 1 }) })],
  ])("%s: the error and its cause start at the step's line", async (_what, misuse) => {
    const error = await failureOf(async (ctx) => {
      await misuse(ctx);
      return StopEvent({ result: null });
    });
    expect(frames(error)[0]).toContain(here);
    expect(frames(error.cause)[0]).toContain(here);
  });

  it("an undeclared returned event is refused with no frames: the step has returned", async () => {
    const error = await failureOf(async () => Other({ n: 1 }) as never);
    expect(error.message).toBe(
      'Step "s" failed: returned "Other", which its `emits` does not declare (declares: StopEvent)',
    );
    expect(frames(error)).toEqual([]);
    expect(frames(error.cause)).toEqual([]);
  });

  it("an error the user's own code threw inside a check (a zod transform) keeps its stack", async () => {
    const wf = workflow({ name: "transform" })
      .step("s", { accepts: StartEvent, emits: [Checked, StopEvent] }, async (ctx) => {
        ctx.sendEvent({ type: "Checked", n: 5 } as never);
        return StopEvent({ result: null });
      })
      .step("t", { accepts: Checked, emits: [] }, async () => null);
    const sent = await wf.run({}).then(
      () => undefined,
      (e: unknown) => e as WorkflowStepError,
    );
    expect(frames(sent?.cause)[0]).toMatch(/refuseBig/);

    const returned = await workflow({ name: "transform-return" })
      .step("s", { accepts: StartEvent, emits: [Checked] }, async () => ({ type: "Checked", n: 5 }) as never)
      .step("t", { accepts: Checked, emits: [StopEvent] }, async () => StopEvent({ result: null }))
      .run({})
      .then(
        () => undefined,
        (e: unknown) => e as WorkflowStepError,
      );
    expect(frames(returned?.cause)[0]).toMatch(/refuseBig/);
  });
});
