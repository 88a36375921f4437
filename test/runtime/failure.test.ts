import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepTimeoutError,
  StopEvent,
  WorkflowCancelledError,
  WorkflowStalledError,
  WorkflowStepError,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";
import { type ManualClock, useManualClock } from "../../src/testing/index.js";
import { collectStream, sleep } from "../helpers.js";

describe("retry", () => {
  it("retries a throwing step by its policy and reports the attempt to the step", async () => {
    const seen: [number, string | undefined][] = [];
    const wf = workflow({ name: "flaky" }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3, delay: 5, backoff: "exponential" } },
      async (ctx) => {
        seen.push([ctx.attempt.number, ctx.attempt.lastError?.message]);
        if (ctx.attempt.number < 3) throw new Error(`boom ${ctx.attempt.number}`);
        return StopEvent({ result: "ok" });
      },
    );
    const handler = wf.run();
    const all = await collectStream(handler, { all: true });
    await expect(handler).resolves.toBe("ok");
    expect(seen).toEqual([
      [1, undefined],
      [2, "boom 1"],
      [3, "boom 2"],
    ]);
    expect(all.filter((e) => e.type === "StepFinishedEvent").map((e) => e.status)).toEqual([
      "retrying",
      "retrying",
      "completed",
    ]);
  });

  it("fails with WorkflowStepError and a WorkflowFailedEvent when attempts run out", async () => {
    const cause = new Error("model returned garbage");
    const wf = workflow({ name: "broken" }).step(
      "explode",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2, delay: 1 } },
      async () => {
        throw cause;
      },
    );
    const handler = wf.run();
    const items = await collectStream(handler);
    expect(items).toEqual([
      {
        type: "WorkflowFailedEvent",
        step: "explode",
        error: { name: "Error", message: "model returned garbage" },
        attempts: 2,
      },
    ]);
    const err = (await handler.catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err).toMatchObject({ code: "STEP_FAILED", step: "explode", attempts: 2 });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('Step "explode" failed after 2 attempts: model returned garbage');
  });

  it("stops retrying when retryIf says no", async () => {
    let calls = 0;
    const wf = workflow({ name: "no-retry" }).step(
      "a",
      {
        accepts: StartEvent,
        emits: [StopEvent],
        retry: { attempts: 5, retryIf: (err) => !(err instanceof TypeError) },
      },
      async () => {
        calls++;
        throw new TypeError("fatal");
      },
    );
    await expect(wf.run()).rejects.toMatchObject({ attempts: 1 });
    expect(calls).toBe(1);
  });

  it("applies each attempt's ctx effects: a retry is a new attempt, not a replay", async () => {
    const Ping = defineEvent("Ping", {});
    const wf = workflow({ name: "journal" })
      .step("a", { accepts: StartEvent, emits: [Ping], retry: { attempts: 2 } }, async (ctx) => {
        ctx.update<number>("count", (c) => (c ?? 0) + 1);
        ctx.sendEvent(Ping());
        if (ctx.attempt.number === 1) throw new Error("transient");
        return null;
      })
      .step("b", { accepts: Ping, emits: [StopEvent], numWorkers: 1 }, async (ctx) => {
        const pings = ctx.update<number>("pings", (p) => (p ?? 0) + 1);
        return pings === 2 ? StopEvent({ result: { count: ctx.get("count"), pings } }) : null;
      });
    await expect(wf.run()).resolves.toEqual({ count: 2, pings: 2 });
  });

  it("sends each attempt's burst of sends once, in order", async () => {
    const Ping = defineEvent("Ping", { n: z.number() });
    const wf = workflow({ name: "journal-burst" })
      .step("a", { accepts: StartEvent, emits: [Ping], retry: { attempts: 3 } }, async (ctx) => {
        for (let n = 0; n < 3; n++) ctx.sendEvent(Ping({ n }));
        ctx.set("after", ctx.attempt.number);
        if (ctx.attempt.number < 3) throw new Error("transient");
        return null;
      })
      .step("b", { accepts: Ping, emits: [StopEvent], numWorkers: 1 }, async (ctx, ev) => {
        const got = ctx.update<number[]>("got", (g) => [...(g ?? []), ev.n]);
        return got.length === 9 ? StopEvent({ result: { got, after: ctx.get("after") } }) : null;
      });
    await expect(wf.run()).resolves.toEqual({ got: [0, 1, 2, 0, 1, 2, 0, 1, 2], after: 3 });
  });
});

describe("timeouts", () => {
  // Timer-driven: the run's time is a manual clock, so no test here waits for it.
  let clock: ManualClock;
  beforeEach(() => {
    clock = useManualClock();
  });
  afterEach(() => clock.restore());

  it("fails a run that exceeds its timeout with WorkflowTimeoutError naming active steps", async () => {
    const wf = workflow({ name: "slow", timeout: 40_000 }).step(
      "hang",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return StopEvent({ result: "late" });
      },
    );
    const handler = wf.run();
    const items = collectStream(handler);
    const outcome = handler.catch((e: unknown) => e);
    await clock.advance(40_000);
    expect(await items).toEqual([{ type: "WorkflowTimedOutEvent", timeout: 40_000, activeSteps: ["hang"] }]);
    const err = await outcome;
    expect(err).toBeInstanceOf(WorkflowTimeoutError);
    expect((err as Error).message).toBe("Workflow timed out after 40000 ms; active steps: hang");
  });

  it("aborts ctx.signal and fails the attempt with StepTimeoutError (retryable)", async () => {
    const aborted: unknown[] = [];
    const wf = workflow({ name: "step-timeout" }).step(
      "slow",
      { accepts: StartEvent, emits: [StopEvent], timeout: 20_000, retry: { attempts: 2 } },
      async (ctx) => {
        if (ctx.attempt.number === 2) return StopEvent({ result: "second try" });
        await new Promise((resolve) =>
          ctx.signal.addEventListener("abort", () => resolve(aborted.push(ctx.signal.reason))),
        );
        return StopEvent({ result: "never" });
      },
    );
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(20_000);
    expect(await outcome).toBe("second try");
    expect(aborted[0]).toBeInstanceOf(StepTimeoutError);
  });

  it("stops the clock while waiting for input with whileWaiting: false", async () => {
    const wf = workflow({ name: "patient", timeout: { run: 60_000, whileWaiting: false } })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({}))
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = wf.run();
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") {
        await clock.advance(120_000);
        handler.sendEvent(HumanResponseEvent({ response: "late but fine" }));
      }
    }
    await expect(handler).resolves.toBe("late but fine");
  });

  it("counts waiting time by default", async () => {
    const wf = workflow({ name: "impatient", timeout: 40_000 })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({}))
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(40_000);
    expect(await outcome).toBeInstanceOf(WorkflowTimeoutError);
  });
});

describe("cancel", () => {
  it("cancels with handler.cancel(): signal aborted, WorkflowCancelledEvent, WorkflowCancelledError", async () => {
    let signal: AbortSignal | undefined;
    const wf = workflow({ name: "cancel" }).step("hang", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      signal = ctx.signal;
      await new Promise(() => undefined);
      return StopEvent({ result: 1 });
    });
    const handler = wf.run();
    await sleep(5);
    handler.cancel();
    expect(await collectStream(handler)).toEqual([{ type: "WorkflowCancelledEvent" }]);
    await expect(handler).rejects.toBeInstanceOf(WorkflowCancelledError);
    expect(signal?.aborted).toBe(true);
  });

  it("cancels when the run's AbortSignal aborts", async () => {
    const wf = workflow({ name: "abort" }).step("hang", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      await new Promise(() => undefined);
      return StopEvent({ result: 1 });
    });
    const controller = new AbortController();
    const handler = wf.run({}, { signal: controller.signal });
    controller.abort();
    await expect(handler).rejects.toMatchObject({ code: "CANCELLED" });
  });
});

describe("first StopEvent wins", () => {
  it("aborts the other steps' signals, drops their output and never starts queued events", async () => {
    const Job = defineEvent("Job", { i: z.number() });
    const started: number[] = [];
    let abortedCount = 0;
    const wf = workflow({ name: "race" })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 10; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [StopEvent], numWorkers: 4 }, async (ctx, ev) => {
        started.push(ev.i);
        if (ev.i === 0) return StopEvent({ result: "first" });
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        abortedCount++;
        return StopEvent({ result: `late ${ev.i}` });
      });
    await expect(wf.run()).resolves.toBe("first");
    await sleep(5);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(abortedCount).toBe(3);
  });
});

describe("stall detection", () => {
  it("fails at once with WorkflowStalledError when nothing can progress", async () => {
    const Lost = defineEvent("Lost", {});
    const wf = workflow({ name: "stuck" })
      .step("a", { accepts: StartEvent, emits: [Lost] }, async () => null)
      .step("b", { accepts: Lost, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const handler = wf.run();
    const items = await collectStream(handler);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: "WorkflowFailedEvent", step: null, attempts: 0 });
    const err = (await handler.catch((e: unknown) => e)) as WorkflowStalledError;
    expect(err).toBeInstanceOf(WorkflowStalledError);
    expect(err.lastEvents).toEqual(["StartEvent"]);
  });
});

describe("verbose", () => {
  it("logs each event with its source, and step starts and finishes, to stderr", async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((line: string) => void lines.push(line));
    try {
      const wf = workflow({ name: "loud" }).step("only", { accepts: StartEvent, emits: [StopEvent] }, async () =>
        StopEvent({ result: 1 }),
      );
      await wf.run({}, { verbose: true });
    } finally {
      spy.mockRestore();
    }
    expect(lines).toEqual([
      expect.stringMatching(/^\[loud\] started run [\w-]+$/),
      "[loud] StartEvent from outside",
      "[loud] only#0 started on StartEvent",
      "[loud] only#0 finished → StopEvent",
      "[loud] run completed",
    ]);
  });
});
