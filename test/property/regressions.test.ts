/**
 * Counterexamples found by the property suites (graphs.test.ts, restore.test.ts), shrunk and
 * written out as plain tests. Each names the behaviour it pins.
 */
import { describe, expect, it } from "vitest";
import { HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";
import { collectStream } from "../helpers.js";

describe("property-test counterexamples", () => {
  it("answering a prompt records no EventRejectedEvent (the runtime's own stall check is not a forged message)", async () => {
    const wf = workflow({ name: "answered" }).step("ask", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
      return StopEvent({ result: answer.response });
    });
    const handler = wf.run();
    const all = collectStream(handler, { all: true });
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    await expect(handler).resolves.toBe("yes");
    expect((await all).filter((ev) => ev.type === "EventRejectedEvent")).toEqual([]);
  });
});
