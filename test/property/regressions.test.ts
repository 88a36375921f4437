/**
 * Counterexamples found by the property suites (graphs.test.ts, restore.test.ts), shrunk and
 * written out as plain tests. Each names the behaviour it pins, and says where it was found.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { collectStream, sleep } from "../helpers.js";

describe("property-test counterexamples", () => {
  // Issue 10 item 1, found at 90d125e: the shrunk plan was one step [ctx.run] failing after it on attempt 1.
  it("a retried attempt runs its ctx.run effect again and gets its own result, not attempt 1's", async () => {
    const effects: number[] = [];
    const wf = workflow({ name: "retried-effect" }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2, delay: 0 } },
      async (ctx) => {
        const attempt = ctx.attempt.number;
        const got = await ctx.run("llm", async () => {
          effects.push(attempt);
          return `reply to attempt ${attempt}`;
        });
        if (attempt === 1) throw new Error("429 after the call");
        return StopEvent({ result: got });
      },
    );
    await expect(wf.run()).resolves.toBe("reply to attempt 2");
    expect(effects).toEqual([1, 2]); // once per attempt that reached it
  });

  // Found in the working tree while item 13 (sealed stepchart.* messages) was in progress.
  it("answering a prompt records no EventRejectedEvent (the runtime's own stall check is not a forged message)", async () => {
    const wf = workflow({ name: "answered" }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
        return StopEvent({ result: answer.response });
      },
    );
    const handler = wf.run();
    const all = collectStream(handler, { all: true });
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    await expect(handler).resolves.toBe("yes");
    expect((await all).filter((ev) => ev.type === "EventRejectedEvent")).toEqual([]);
  });

  // Issue 10 item 2, found at 5cd0496, where early answers were held for HumanResponseEvent only
  // (fixed by 73a69ff): the shrunk plan was one step waiting for its own `awaits` type, answered
  // before it ran. Every form of `where` and prompt failed the same way there.
  it("keeps an early answer of a custom `awaits` type until its waitForEvent takes it", async () => {
    const Approval = defineEvent("Approval", { key: z.string(), ok: z.boolean() });
    const wf = workflow({ name: "early-answer", timeout: 1_000, external: [Approval] }).step(
      "wait",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent], awaits: [Approval] },
      async (ctx) => {
        await null; // the step body starts later than the answer
        const answer = await ctx.waitForEvent(Approval, {
          where: { key: "order-1" },
          prompt: InputRequiredEvent({ prefix: "approve order-1?" }),
        });
        return StopEvent({ result: answer.ok });
      },
    );
    const handler = wf.run();
    handler.sendEvent(Approval({ key: "order-1", ok: true }));
    await expect(handler).resolves.toBe(true);
  });

  // Issue 10 item 7, found at 90d125e: the shrunk plan was one loop step of 2,032 instant iterations.
  it("lets a 0 ms timer fire while a loop of instant steps runs (the steps yield to the event loop)", async () => {
    const Again = defineEvent("Again", { n: z.number() });
    const wf = workflow({ name: "instant-loop" }).step(
      "loop",
      { accepts: [StartEvent, Again], emits: [Again, StopEvent] },
      async (_ctx, ev) => {
        const n = ev.type === "StartEvent" ? 1 : ev.n + 1;
        return n < 3_000 ? Again({ n }) : StopEvent({ result: n });
      },
    );
    let fired = false;
    const timer = setTimeout(() => {
      fired = true;
    }, 0);
    const handler = wf.run();
    const firedBeforeTheEnd = handler.then(() => fired);
    await expect(handler).resolves.toBe(3_000);
    clearTimeout(timer);
    expect(await firedBeforeTheEnd).toBe(true);
  });
});

/**
 * Found by `npm run fuzz` (Node's TimeoutOverflowWarning while the snapshot fuzz ran beside the
 * property suites): Node runs a timer of more than 2^31 - 1 ms (about 24.8 days) after 1 ms, so
 * each of these timeouts used to fire at once. A month-long approval is a real case.
 */
describe("timeouts longer than 24.8 days (2^31 - 1 ms)", () => {
  const MONTH = 30 * 24 * 3_600_000;
  const approval = (options: { run: number | null; wait?: number }) =>
    workflow({ name: "month-long-approval", timeout: options.run }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, {
          prompt: InputRequiredEvent({ prefix: "approve?" }),
          ...(options.wait !== undefined ? { timeout: options.wait } : {}),
        });
        return StopEvent({ result: answer.response });
      },
    );
  /** Answers the prompt a little later than a timer of 1 ms would fire. */
  async function answerLater(handler: ReturnType<ReturnType<typeof approval>["run"]>): Promise<unknown> {
    for await (const ev of handler.streamEvents()) {
      if (ev.type !== "InputRequiredEvent") continue;
      await sleep(20);
      handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    return handler;
  }

  it("a run timeout of 30 days does not end the run at once", async () => {
    await expect(answerLater(approval({ run: MONTH }).run())).resolves.toBe("yes");
  });

  it("a waitForEvent timeout of 30 days does not fail the wait at once", async () => {
    await expect(answerLater(approval({ run: null, wait: MONTH }).run())).resolves.toBe("yes");
  });

  it("a step timeout of 30 days does not fail the step at once", async () => {
    const wf = workflow({ name: "month-long-step", timeout: null }).step(
      "slow",
      { accepts: StartEvent, emits: [StopEvent], timeout: MONTH },
      async () => {
        await sleep(20);
        return StopEvent({ result: "done" });
      },
    );
    await expect(wf.run()).resolves.toBe("done");
  });
});
