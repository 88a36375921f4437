import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";

const Job = defineEvent("Job", { i: z.number() });
const JobDone = defineEvent("JobDone", { i: z.number() });

describe("numWorkers", () => {
  it.each([1, 3, 8])("runs at most %i invocations of a step at once, in FIFO order", async (workers) => {
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const wf = workflow({ name: "cap" })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 40; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [JobDone], numWorkers: workers }, async (_ctx, ev) => {
        order.push(ev.i);
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
        return JobDone({ i: ev.i });
      })
      .step("gather", { accepts: JobDone, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { JobDone: 40 });
        return all ? StopEvent({ result: all.length }) : null;
      });
    await expect(wf.run()).resolves.toBe(40);
    expect(peak).toBe(workers);
    expect(order).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

describe("fan-out", () => {
  it("delivers a 1 000-event fan-out to a 4-worker step and collects every result", async () => {
    const wf = workflow({ name: "fan-1000" })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 1000; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [JobDone], numWorkers: 4 }, async (_ctx, ev) => {
        await Promise.resolve();
        return JobDone({ i: ev.i * 2 });
      })
      .step("gather", { accepts: JobDone, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { JobDone: 1000 });
        return all ? StopEvent({ result: all.reduce((s, e) => s + e.i, 0) }) : null;
      });
    await expect(wf.run()).resolves.toBe(999_000);
  });
});

describe("ctx.update under concurrency", () => {
  it("loses no update when 10 workers increment one key", async () => {
    const wf = workflow({ name: "counter", state: z.object({ hits: z.number().default(0) }) })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 200; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [JobDone], numWorkers: 10 }, async (ctx, ev) => {
        await new Promise((resolve) => setTimeout(resolve, ev.i % 3));
        ctx.update("hits", (n) => (n ?? 0) + 1);
        await Promise.resolve();
        ctx.update("hits", (n) => (n ?? 0) + 1);
        return JobDone({ i: ev.i });
      })
      .step("gather", { accepts: JobDone, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { JobDone: 200 });
        return all ? StopEvent({ result: ctx.get("hits") }) : null;
      });
    await expect(wf.run()).resolves.toBe(400);
  });
});
