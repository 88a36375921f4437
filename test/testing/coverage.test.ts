import { describe, expect, it } from "vitest";
import { HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";
import { traceRun } from "../../src/inspect/index.js";
import { coverageOf } from "../../src/testing/index.js";

// `ask` sends its prompt (rather than returning it), then finishes with nothing.
const asker = workflow({ name: "asker" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async (ctx) => {
    ctx.sendEvent(InputRequiredEvent({ prefix: "name?" }));
  })
  .step("greet", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: `hi ${ev.response}` }),
  );

describe("coverageOf(wf, traces)", () => {
  it("counts an edge per event a step returned or sent, a sent prompt included, and a person's answer", async () => {
    const handler = asker.run();
    for await (const ev of handler.streamEvents())
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "ada" }));
    await expect(handler).resolves.toBe("hi ada");
    expect(coverageOf(asker, [traceRun(handler)])).toEqual({
      covered: ["ask/InputRequiredEvent", "greet/StopEvent", "human/HumanResponseEvent"],
      missing: [],
    });
  });

  it("lists as missing the edges no trace exercised", () => {
    expect(coverageOf(asker, [])).toEqual({
      covered: [],
      missing: ["ask/InputRequiredEvent", "greet/StopEvent", "human/HumanResponseEvent"],
    });
  });
});
