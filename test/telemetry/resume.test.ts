/**
 * otelTracing() on runs that stop here and go on later: a resumed run (from a snapshot or a store)
 * gets a span of its own, marked resumed, with the rest of its steps under it; a detached run's
 * span says it stopped here.
 */
import { describe, expect, it } from "vitest";
import {
  HumanResponseEvent,
  InputRequiredEvent,
  MemoryStore,
  StartEvent,
  StopEvent,
  type WorkflowHandler,
  workflow,
} from "../../src/index.js";
import { otelTracing } from "../../src/telemetry/index.js";
import { deferred } from "../helpers.js";
import { attemptsOf, finished, idOf, named, only, parentIdOf, untilEnded, useTracing } from "./tracing.js";

const tracing = useTracing();
const instrument = otelTracing({ tracer: tracing.provider.getTracer("test") });

const approval = workflow({ name: "approval" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
    InputRequiredEvent({ prefix: "publish?" }),
  )
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );

async function untilWaiting(handler: WorkflowHandler<unknown, never>): Promise<void> {
  for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") return;
}

describe("resumed runs", () => {
  it("trace the steps they run in a span of their own, marked resumed", async () => {
    const first = approval.run({}, { instrument, runId: "r-1" });
    await untilWaiting(first);
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);

    const resumed = approval.resume(snapshot, { instrument });
    resumed.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(resumed).resolves.toBe("yes");

    const spans = finished(tracing);
    const [before, after] = named(spans, "run approval");
    expect(before!.attributes).toMatchObject({
      "stepchart.run.id": "r-1",
      "stepchart.run.resumed": false,
      "stepchart.run.status": "cancelled",
    });
    expect(before!.status.code).toBe(0); // cancelled on purpose: no error
    expect(after!.attributes).toMatchObject({
      "stepchart.run.id": "r-1",
      "stepchart.run.resumed": true,
      "stepchart.run.status": "completed",
    });
    expect(parentIdOf(only(spans, "step ask"))).toBe(idOf(before!));
    expect(parentIdOf(only(spans, "step decide"))).toBe(idOf(after!));
  });

  it("trace a step that was in flight when the snapshot was taken, as it runs again", async () => {
    const gate = deferred();
    const started = deferred();
    let runs = 0;
    const wf = workflow({ name: "long" }).step("work", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      runs++;
      started.resolve();
      await gate.promise;
      return StopEvent({ result: runs });
    });
    const first = wf.run({}, { instrument });
    await started.promise;
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    gate.resolve();
    await expect(wf.resume(snapshot, { instrument })).resolves.toBe(2);

    const spans = finished(tracing);
    const [before, after] = named(spans, "run long");
    const [stopped, rerun] = named(spans, "step work");
    expect(parentIdOf(stopped!)).toBe(idOf(before!));
    expect(stopped!.attributes["stepchart.step.outcome"]).toBe("stopped");
    expect(parentIdOf(rerun!)).toBe(idOf(after!));
    expect(rerun!.attributes).toMatchObject({ "stepchart.step.outcome": "returned", "stepchart.step.invocation": 0 });
  });

  it("trace the next attempt of a step resumed in the middle of its retry delay", async () => {
    let calls = 0;
    const wf = workflow({ name: "retrying" }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2, delay: 300 } },
      async () => {
        if (++calls === 1) throw new Error("busy");
        return StopEvent({ result: calls });
      },
    );
    const first = wf.run({}, { instrument });
    await untilEnded(tracing, "step call"); // the failed attempt: the run is in its retry delay
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    await expect(wf.resume(snapshot, { instrument })).resolves.toBe(2);

    const spans = finished(tracing);
    const [, after] = named(spans, "run retrying");
    const [failed, second] = attemptsOf(spans, "call");
    expect(failed!.attributes).toMatchObject({ "stepchart.step.attempt": 1, "stepchart.step.outcome": "retrying" });
    expect(parentIdOf(second!)).toBe(idOf(after!));
    expect(second!.attributes).toMatchObject({ "stepchart.step.attempt": 2, "stepchart.step.outcome": "returned" });
  });

  it("with a store: a detached run's span says it stopped here; the run resumed by id goes on in a new one", async () => {
    const store = new MemoryStore();
    const first = approval.run({}, { instrument, store, runId: "tea-1" });
    await untilWaiting(first);
    await first.detach();
    await approval.sendEvent("tea-1", HumanResponseEvent({ response: "later" }), { store });
    await expect(approval.resume("tea-1", { store, instrument })).resolves.toBe("later");

    const spans = finished(tracing);
    const [before, after] = named(spans, "run approval");
    expect(before!.attributes).toMatchObject({ "stepchart.run.status": "stopped", "stepchart.run.resumed": false });
    expect(before!.status.code).toBe(0);
    expect(after!.attributes).toMatchObject({ "stepchart.run.status": "completed", "stepchart.run.resumed": true });
    expect(parentIdOf(only(spans, "step decide"))).toBe(idOf(after!));
  });
});
