/** The manual clock of stepchart/testing drives a run's timers: no test here waits for real time. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  WaitTimeoutError,
  WorkflowStepError,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";
import { now } from "../../src/internal/timer.js";
import { type ManualClock, useManualClock } from "../../src/testing/index.js";

const HOUR = 3_600_000;
let clock: ManualClock;
beforeEach(() => {
  clock = useManualClock({ start: 1_000_000 });
});
afterEach(() => clock.restore());

/** Settles to "pending" while the promise has not settled. */
const state = (p: PromiseLike<unknown>) =>
  Promise.race([
    Promise.resolve(p).then(
      () => "resolved",
      () => "rejected",
    ),
    new Promise((resolve) => setImmediate(() => resolve("pending"))),
  ]);

const hanging = () =>
  workflow({ name: "an-hour", timeout: HOUR }).step(
    "hang",
    { accepts: StartEvent, emits: [StopEvent] },
    (ctx) => new Promise<null>((resolve) => ctx.signal.addEventListener("abort", () => resolve(null))),
  );

describe("useManualClock", () => {
  it("times a run out when the clock reaches its deadline, not a millisecond before", async () => {
    const handler = hanging().run();
    // Observed before the clock moves: a run that ends unobserved is an unhandled rejection.
    const outcome = handler.catch((e: unknown) => e);
    await clock.advance(HOUR - 1);
    expect(await state(handler)).toBe("pending");
    await clock.advance(1);
    expect(await outcome).toBeInstanceOf(WorkflowTimeoutError);
    expect(clock.now()).toBe(1_000_000 + HOUR);
  });

  it("runs each retry after its backoff, at the clock's times", async () => {
    const at: number[] = [];
    const wf = workflow({ name: "backoff" }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 4, delay: 1_000, backoff: "exponential" } },
      async (ctx) => {
        at.push(clock.now() - 1_000_000);
        if (ctx.attempt.number < 4) throw new Error(`down ${ctx.attempt.number}`);
        return StopEvent({ result: "up" });
      },
    );
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(60_000);
    expect(await outcome).toBe("up");
    expect(at).toEqual([0, 1_000, 3_000, 7_000]);
  });

  it("aborts an attempt at its step timeout, then retries", async () => {
    const reasons: unknown[] = [];
    const wf = workflow({ name: "step-timeout" }).step(
      "slow",
      { accepts: StartEvent, emits: [StopEvent], timeout: 30_000, retry: { attempts: 2 } },
      async (ctx) => {
        if (ctx.attempt.number === 2) return StopEvent({ result: clock.now() - 1_000_000 });
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        reasons.push(ctx.signal.reason);
        return null;
      },
    );
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(30_000);
    expect(await outcome).toBe(30_000);
    expect(reasons[0]).toBeInstanceOf(StepTimeoutError);
  });

  it("times out a waitForEvent", async () => {
    const wf = workflow({ name: "wait", timeout: 2 * HOUR }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => StopEvent({ result: await ctx.waitForEvent(HumanResponseEvent, { timeout: HOUR }) }),
    );
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(HOUR);
    const error = (await outcome) as WorkflowStepError;
    expect(error).toBeInstanceOf(WorkflowStepError);
    expect(error.cause).toBeInstanceOf(WaitTimeoutError);
  });

  it("stops the run clock for a day while a person answers (whileWaiting: false)", async () => {
    const wf = workflow({ name: "patient", timeout: { run: HOUR, whileWaiting: false } })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({}))
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = wf.run();
    for await (const ev of handler.streamEvents()) {
      if (ev.type !== "InputRequiredEvent") continue;
      await clock.advance(24 * HOUR);
      handler.sendEvent(HumanResponseEvent({ response: "a day later" }));
    }
    await expect(handler).resolves.toBe("a day later");
  });

  it("leaves the clock alone after restore", async () => {
    clock.restore();
    const before = Date.now();
    const wf = workflow({ name: "real", timeout: 20 }).step(
      "hang",
      { accepts: StartEvent, emits: [StopEvent] },
      () => new Promise<null>(() => undefined),
    );
    await expect(wf.run()).rejects.toBeInstanceOf(WorkflowTimeoutError);
    expect(Date.now() - before).toBeGreaterThanOrEqual(15);
  });

  it("refuses a negative or infinite advance", async () => {
    await expect(clock.advance(-1)).rejects.toThrow(RangeError);
    await expect(clock.advance(Number.POSITIVE_INFINITY)).rejects.toThrow(RangeError);
  });
});

describe("restoring manual clocks", () => {
  /** stepchart reads the real time: within a second of the host's (no manual clock here starts near it). */
  const readsRealTime = () => Math.abs(now() - Date.now()) < 1_000;

  it("in the order they were made: each restore gives back the one before", () => {
    const a = useManualClock({ start: 0 });
    const b = useManualClock({ start: 5 });
    expect(now()).toBe(5);
    b.restore();
    expect(now()).toBe(0);
    a.restore();
    expect(now()).toBe(1_000_000); // the test's own clock
    clock.restore();
    expect(readsRealTime()).toBe(true);
  });

  it("out of order (afterEach, then onTestFinished): the clocks left are used, then the real one", () => {
    const a = useManualClock({ start: 0 });
    const b = useManualClock({ start: 5 });
    a.restore();
    expect(now()).toBe(5); // b is still in use
    b.restore();
    expect(now()).toBe(1_000_000);
    clock.restore();
    expect(readsRealTime()).toBe(true);
  });

  it("a second restore changes nothing", () => {
    const a = useManualClock({ start: 0 });
    const b = useManualClock({ start: 5 });
    a.restore();
    a.restore();
    expect(now()).toBe(5);
    b.restore();
    b.restore();
    clock.restore();
    clock.restore();
    expect(readsRealTime()).toBe(true);
  });

  it("a run after clocks restored out of order keeps the real time", async () => {
    const a = useManualClock({ start: 0 });
    const b = useManualClock({ start: 5 });
    clock.restore();
    a.restore();
    b.restore();
    const wf = workflow({ name: "real-again", timeout: 20 }).step(
      "hang",
      { accepts: StartEvent, emits: [StopEvent] },
      () => new Promise<null>(() => undefined),
    );
    await expect(wf.run()).rejects.toBeInstanceOf(WorkflowTimeoutError);
  }, 2_000); // on a manual clock nobody advances, it would hang
});
