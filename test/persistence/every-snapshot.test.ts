import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type WorkflowSnapshot,
  workflow,
} from "../../src/index.js";

const Job = defineEvent("Job", { i: z.number() });
const Result = defineEvent("Result", { i: z.number(), square: z.number() });
const Summary = defineEvent("Summary", { total: z.number() });

/**
 * fan-out → collect → human input, with every kind of ctx effect along the way. Side effects
 * outside ctx are counted per step, so a test can tell which steps re-ran.
 */
function pipeline() {
  const calls: Record<string, number> = {};
  const count = (step: string) => {
    calls[step] = (calls[step] ?? 0) + 1;
  };
  const wf = workflow({ name: "pipeline" })
    .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
      count("fan");
      ctx.set("jobs", 4);
      for (let i = 1; i <= 4; i++) ctx.sendEvent(Job({ i }));
    })
    .step("square", { accepts: Job, emits: [Result], numWorkers: 2 }, async (ctx, ev) => {
      count("square");
      const square = await ctx.run("square", async () => ev.i * ev.i);
      ctx.update<number>("squared", (n) => (n ?? 0) + 1);
      return Result({ i: ev.i, square });
    })
    .step("gather", { accepts: Result, emits: [Summary] }, async (ctx, ev) => {
      count("gather");
      const all = ctx.collectEvents(ev, { Result: 4 });
      if (!all) return null;
      ctx.writeEventToStream(Summary({ total: all.length }));
      return Summary({ total: all.reduce((sum, r) => sum + r.square, 0) });
    })
    .step("approve", { accepts: Summary, emits: [InputRequiredEvent, StopEvent] }, async (ctx, ev) => {
      count("approve");
      const answer = await ctx.waitForEvent(HumanResponseEvent, {
        prompt: InputRequiredEvent({ prefix: `total ${ev.total}, ok?` }),
      });
      return StopEvent({ result: { total: ev.total, answer: answer.response, squared: ctx.get("squared") } });
    });
  return { wf, calls };
}

const expected = { total: 1 + 4 + 9 + 16, answer: "yes", squared: 4 };

/** Drives a handler to the end, answering every prompt. */
async function finish(handler: ReturnType<ReturnType<typeof pipeline>["wf"]["run"]>): Promise<unknown> {
  void (async () => {
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
  })();
  return handler;
}

describe("restoring every snapshot of a run", () => {
  it("gives the right result from the snapshot after every transition, ctx effects never doubled", async () => {
    const { wf } = pipeline();
    const handler = wf.run();
    const snapshots: WorkflowSnapshot[] = [];
    handler.actor.subscribe({ next: () => snapshots.push(JSON.parse(JSON.stringify(handler.snapshot()))) });
    await expect(finish(handler)).resolves.toEqual(expected);
    const resumable = snapshots.filter((s) => s.machine.status === "active");
    expect(resumable.length).toBeGreaterThan(15);

    for (const [n, snapshot] of resumable.entries()) {
      const { wf: fresh, calls } = pipeline();
      const result = await finish(fresh.resume(snapshot));
      expect({ n, result }).toEqual({ n, result: expected });
      // Completed invocations never run again: only those in flight or still to come do.
      const ctx = snapshot.machine.context;
      const inFlight = (step: string) => ctx.inflight.filter((inv) => inv.step === step).length;
      const queue = ctx.slots.square?.queue;
      const queuedJobs = queue ? queue.tail - queue.head : 0;
      const fanToCome = ctx.seq === 0 || inFlight("fan") > 0 ? 1 : 0;
      expect({ n, fan: calls.fan ?? 0 }).toEqual({ n, fan: fanToCome });
      expect(calls.square ?? 0).toBeLessThanOrEqual(inFlight("square") + queuedJobs + 4 * fanToCome);
    }
  });
});
