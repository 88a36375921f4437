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
    const coverage = coverageOf(asker, [traceRun(handler)]);
    expect(coverage.covered).toEqual(["ask/InputRequiredEvent", "greet/StopEvent", "human/HumanResponseEvent"]);
    expect(coverage.missing).toEqual([]);
  });

  it("counts the runtime machine's region transitions a run took, read off its trace", async () => {
    const handler = asker.run();
    for await (const ev of handler.streamEvents())
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "ada" }));
    await handler;
    // `ask` sends its prompt and returns nothing: its region ends on its promise's end, which the
    // model (stubs return what they emit) does not take, so ending on the prompt stays missing.
    expect(coverageOf(asker, [traceRun(handler)]).transitions).toEqual({
      covered: [
        "ask: idle → running on StartEvent",
        "greet: idle → running on HumanResponseEvent",
        "human: idle → waiting on InputRequiredEvent",
        "human: waiting → idle on HumanResponseEvent",
        "running → completed on StopEvent",
      ],
      missing: ["ask: running → idle on InputRequiredEvent"],
    });
  });

  it("lists as missing the edges no trace exercised", () => {
    expect(coverageOf(asker, [])).toEqual({
      covered: [],
      missing: ["ask/InputRequiredEvent", "greet/StopEvent", "human/HumanResponseEvent"],
      transitions: {
        covered: [],
        missing: [
          "ask: idle → running on StartEvent",
          "ask: running → idle on InputRequiredEvent",
          "greet: idle → running on HumanResponseEvent",
          "human: idle → waiting on InputRequiredEvent",
          "human: waiting → idle on HumanResponseEvent",
          "running → completed on StopEvent",
        ],
      },
    });
  });
});
