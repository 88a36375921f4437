/** `runs show`'s report of a stored run: a record with a corrupt lease is still shown. */
import { describe, expect, it } from "vitest";
import { describeRun } from "../../src/cli/commands/run-report.js";
import { HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";

const ask = workflow({ name: "ask" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({ prefix: "ok?" }))
  .step("end", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));

describe("describeRun", () => {
  it("shows a lease's expiry as an ISO time, and a corrupt one as it is instead of failing", async () => {
    const handler = ask.run({}, { runId: "r-1" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = handler.snapshot();
    handler.cancel();
    const at = Date.UTC(2026, 11, 1);
    expect(describeRun({ snapshot, lease: { owner: "h:1:a", expiresAt: at, epoch: 1 } }).lease).toEqual({
      owner: "h:1:a",
      expiresAt: "2026-12-01T00:00:00.000Z",
    });
    const corrupt = describeRun({ snapshot, lease: { owner: "h:1:a", expiresAt: Number.NaN, epoch: 1 } });
    expect(corrupt.lease?.expiresAt).toBeNaN();
    expect(corrupt.pending.map((p) => p.type)).toEqual(["InputRequiredEvent"]);
  });
});
