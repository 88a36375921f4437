/** Behaviours pinned after review findings; every suite here also runs with step actors. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { type ManualClock, useManualClock } from "../../src/testing/index.js";
import { deferred } from "../helpers.js";

describe("review regressions", () => {
  // The run's timers are on a manual clock: the timeouts below pass without waiting for them.
  let clock: ManualClock;
  beforeEach(() => {
    clock = useManualClock();
  });
  afterEach(() => clock.restore());

  it("publishes a prompt sent to one step, and pauses the run clock while it waits", async () => {
    const wf = workflow({ name: "targeted-prompt", timeout: { run: 150, whileWaiting: false } })
      .step("a", { accepts: StartEvent, emits: [InputRequiredEvent] }, async (ctx) => {
        ctx.sendEvent(InputRequiredEvent({ prefix: "ok?" }), { step: "asker" });
      })
      .step("asker", { accepts: InputRequiredEvent, emits: [] }, async () => undefined)
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = wf.run();
    const seen: string[] = [];
    for await (const ev of handler.streamEvents()) {
      seen.push(ev.type);
      if (ev.type === "InputRequiredEvent") {
        await clock.advance(250); // longer than the run timeout: the clock is stopped while a person thinks
        handler.sendEvent(HumanResponseEvent({ response: "ok" }));
      }
    }
    await expect(handler).resolves.toBe("ok");
    expect(seen).toEqual(["InputRequiredEvent", "StopEvent"]);
  });

  it("a timed-out attempt that settles during the retry delay neither stalls the retry nor writes into it", async () => {
    const zombie = deferred();
    const wf = workflow({ name: "zombie" }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent], timeout: 30, retry: { attempts: 2, delay: 100 } },
      async (ctx) => {
        if (ctx.attempt.number === 1) {
          await zombie.promise; // still running after its timeout, during the retry delay
          ctx.set("k", "zombie");
          return null;
        }
        ctx.set("k", "attempt 2");
        ctx.set("mine", true);
        return StopEvent({ result: { k: ctx.get("k"), mine: ctx.get("mine", false) } });
      },
    );
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(60); // timed out at 30 ms; the retry waits until 130 ms
    zombie.resolve();
    await clock.advance(70);
    expect(await outcome).toEqual({ k: "attempt 2", mine: true });
  });

  it("orders a held sendEvent before another step's later event, whichever way steps are hosted", async () => {
    const X = defineEvent("X", {});
    const Y = defineEvent("Y", { n: z.number() });
    const wf = workflow({ name: "order" })
      .step("a", { accepts: StartEvent, emits: [X] }, async (ctx) => {
        ctx.sendEvent(X({}));
        await null;
        await null;
      })
      .step("b", { accepts: StartEvent, emits: [Y] }, async () => Y({ n: 1 }))
      .step("c", { accepts: [X, Y], emits: [StopEvent] }, async (ctx, ev) => {
        const seen = ctx.update<string[]>("seen", (s) => [...(s ?? []), ev.type]);
        return seen.length === 2 ? StopEvent({ result: seen }) : null;
      });
    await expect(wf.run()).resolves.toEqual(["X", "Y"]);
  });
});
