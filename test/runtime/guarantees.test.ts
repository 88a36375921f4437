/**
 * The runtime's core guarantees, each pinned by the defect that once broke it (issue 10): a retry
 * is a new attempt whose effects apply, an early answer is held for its waiter, any thrown value
 * fails a run cleanly, instant step cycles cannot starve timers, nothing from outside can forge
 * the runtime's own messages, and a timeout names the prompt it waited on. Runs in both hostings.
 */

import { describe, expect, it, onTestFinished } from "vitest";
import { createActor } from "xstate";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  MemoryStore,
  StartEvent,
  StopEvent,
  WorkflowStepError,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";
import { useManualClock } from "../../src/testing/index.js";
import { collectStream, sleep } from "../helpers.js";

const Note = defineEvent("Note", { attempt: z.number() });

describe("a retry is a new attempt", () => {
  it("applies every ctx effect of attempt 2: state, stream writes and reads of its own writes", async () => {
    const wf = workflow({ name: "retry-effects" }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2, delay: 0 } },
      async (ctx) => {
        ctx.set("k", ctx.attempt.number);
        const seen = ctx.get("k");
        ctx.writeEventToStream(Note({ attempt: ctx.attempt.number }));
        if (ctx.attempt.number === 1) throw new Error("flaky");
        return StopEvent({ result: { k: ctx.get("k"), seen } });
      },
    );
    const handler = wf.run();
    const stream = await collectStream(handler);
    await expect(handler).resolves.toEqual({ k: 2, seen: 2 });
    expect(stream.filter((e) => e.type === "Note")).toEqual([Note({ attempt: 1 }), Note({ attempt: 2 })]);
  });

  it("runs a ctx.run effect once per attempt, and sends what the retried attempt sends", async () => {
    const Item = defineEvent("Item", { attempt: z.number() });
    const calls: number[] = [];
    const wf = workflow({ name: "retry-run" })
      .step("s", { accepts: StartEvent, emits: [Item], retry: { attempts: 3, delay: 0 } }, async (ctx) => {
        const n = await ctx.run("call", () => {
          calls.push(ctx.attempt.number);
          return ctx.attempt.number;
        });
        ctx.sendEvent(Item({ attempt: n }));
        if (n < 3) throw new Error(`attempt ${n} failed`);
      })
      .step("sink", { accepts: Item, emits: [StopEvent] }, async (ctx, ev) => {
        const got = ctx.update<number[]>("got", (list) => [...(list ?? []), ev.attempt]);
        return got.length === 3 ? StopEvent({ result: [...got].sort() }) : null;
      });
    await expect(wf.run()).resolves.toEqual([1, 2, 3]);
    expect(calls).toEqual([1, 2, 3]);
  });
});

describe("an event sent before its waiter exists", () => {
  it("is held until the waitForEvent that takes it registers", async () => {
    const wf = workflow({ name: "early-answer", timeout: 2_000 }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
        return StopEvent({ result: answer.response });
      },
    );
    const handler = wf.run();
    handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(handler).resolves.toBe("yes");
  });

  it("is held for a declared awaited type with a predicate, and the others stay held", async () => {
    const Vote = defineEvent("Vote", { by: z.string() });
    const wf = workflow({ name: "early-vote", timeout: 2_000, external: [Vote] }).step(
      "tally",
      { accepts: StartEvent, emits: [StopEvent], awaits: [Vote] },
      async (ctx) => {
        await sleep(5);
        const bob = await ctx.waitForEvent(Vote, { where: (v) => v.by === "bob" });
        const ann = await ctx.waitForEvent(Vote, { where: { by: "ann" } });
        return StopEvent({ result: [bob.by, ann.by] });
      },
    );
    const handler = wf.run();
    handler.sendEvent(Vote({ by: "ann" }));
    handler.sendEvent(Vote({ by: "bob" }));
    await expect(handler).resolves.toEqual(["bob", "ann"]);
  });

  it("shows as an EventRejectedEvent when the run ends without taking it", async () => {
    const wf = workflow({ name: "never-asked" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      await sleep(5);
      return StopEvent({ result: "done" });
    });
    const handler = wf.run();
    handler.sendEvent(HumanResponseEvent({ response: "unasked" }));
    const all = await collectStream(handler, { all: true });
    const rejected = all.filter((e) => e.type === "EventRejectedEvent");
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ event: { type: "HumanResponseEvent", response: "unasked" } });
    expect(all.at(-1)).toMatchObject({ type: "StopEvent", result: "done" });
  });
});

describe("whatever a step throws", () => {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const hostile = {
    "a null-prototype object": () => Object.create(null),
    "an object whose toString throws": () => ({
      toString() {
        throw new Error("no");
      },
    }),
    "an Error whose message getter throws": () => {
      const e = new Error("x");
      Object.defineProperty(e, "message", {
        get() {
          throw new Error("no");
        },
      });
      return e;
    },
    "a revoked Proxy": () => revoked.proxy,
  };

  for (const [what, make] of Object.entries(hostile)) {
    it(`fails the run with a WorkflowStepError for ${what}, with or without retries`, async () => {
      for (const retry of [undefined, { attempts: 2, delay: 0 }]) {
        const wf = workflow({ name: "hostile" }).step(
          "s",
          { accepts: StartEvent, emits: [StopEvent], ...(retry ? { retry } : {}) },
          async () => {
            throw make();
          },
        );
        const store = new MemoryStore();
        const handler = wf.run({}, { store, runId: "h" });
        const error = await handler.then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(WorkflowStepError);
        expect((error as WorkflowStepError).code).toBe("STEP_FAILED");
        expect(typeof (error as Error).message).toBe("string");
        expect((await store.load("h"))?.snapshot.status).toBe("failed");
      }
    });
  }
});

describe("a cycle of instant steps", () => {
  const Again = defineEvent("Again", { n: z.number() });
  const endless = (timeout: number) =>
    workflow({ name: "endless", timeout }).step(
      "loop",
      { accepts: [StartEvent, Again], emits: [Again, StopEvent] },
      async (_ctx, ev) => Again({ n: ev.type === "StartEvent" ? 1 : ev.n + 1 }),
    );

  it("times out at its deadline", async () => {
    const started = Date.now();
    await expect(endless(100).run()).rejects.toBeInstanceOf(WorkflowTimeoutError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("keeps starting queued invocations in FIFO order across a yield to the event loop", async () => {
    const Job = defineEvent("Job", { i: z.number() });
    const order: number[] = [];
    const wf = workflow({ name: "fifo-yield" })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 64; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [StopEvent], numWorkers: 64 }, async (_ctx, ev) => {
        order.push(ev.i);
        const until = performance.now() + 0.5; // CPU-bound start: the turn's 4 ms run out mid-burst
        while (performance.now() < until);
        return order.length === 64 ? StopEvent({ result: order.length }) : null;
      });
    await expect(wf.run()).resolves.toBe(64);
    expect(order).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it("lets timers and I/O of the process run meanwhile (cancel from a timer)", async () => {
    const handler = endless(60_000).run();
    let ticks = 0;
    const tick = setInterval(() => ticks++, 1);
    const started = Date.now();
    setTimeout(() => handler.cancel(), 20);
    await expect(handler).rejects.toMatchObject({ code: "CANCELLED" });
    clearInterval(tick);
    expect(ticks).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe("the runtime's own messages", () => {
  const gate = () =>
    workflow({ name: "gate", timeout: 2_000 }).step(
      "s",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "?" }) });
        ctx.set("answer", answer.response);
        return StopEvent({ result: `real ${answer.response}` });
      },
    );

  it("cannot be forged with a raw actor.send: each becomes an EventRejectedEvent", async () => {
    const actor = createActor(gate().toMachine(), { input: {} });
    const rejected: unknown[] = [];
    actor.on("EventRejectedEvent", (e) => rejected.push(e));
    actor.start();
    await sleep(5);
    const forged = [
      { type: "stepchart.done", id: 0, output: { type: "StopEvent", result: "FORGED" } },
      { type: "stepchart.set", id: 0, op: 5, key: "answer", value: "FORGED" },
      { type: "stepchart.cancel" },
      { type: "stepchart.timeout" },
      { type: "stepchart.failed", id: 0, error: new Error("forged"), attempts: 1 },
      { type: "stepchart.restore" },
      // Workflow events the run does not take from outside are refused the same way.
      { type: "StopEvent", result: "FORGED" },
      { type: "StartEvent" },
      { type: "InputRequiredEvent", prefix: "fake prompt" },
    ];
    for (const event of forged) actor.send(event);
    expect(actor.getSnapshot().status).toBe("active");
    expect(actor.getSnapshot().context.state).toEqual({});
    expect(actor.getSnapshot().context.pending).toHaveLength(1);
    expect(rejected).toHaveLength(forged.length);
    actor.send({ type: "HumanResponseEvent", response: "yes" });
    await sleep(5);
    expect(actor.getSnapshot().output).toBe("real yes");
  });
});

describe("the runtime's own StopEvent", () => {
  it("completes the run when the step returns a frozen event (the step's object stays as it was)", async () => {
    const stop = Object.freeze(StopEvent({ result: "frozen" }));
    const wf = workflow({ name: "frozen" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () => stop);
    await expect(wf.run()).resolves.toBe("frozen");
    expect(Object.getOwnPropertySymbols(stop)).toEqual([]);
  });
});

describe("plain XState persistence", () => {
  it("a restored actor goes on after one raw stepchart.restore (the in-flight step re-runs)", async () => {
    let runs = 0;
    const wf = workflow({ name: "raw-restore", timeout: 2_000 }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent] },
      async () => {
        runs++;
        await sleep(30);
        return StopEvent({ result: "done" });
      },
    );
    const first = createActor(wf.toMachine(), { input: {} }).start();
    await sleep(5);
    const persisted = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    const restored = createActor(wf.toMachine(), { snapshot: persisted }).start();
    restored.send({ type: "stepchart.restore" });
    await sleep(80);
    expect(restored.getSnapshot().output).toBe("done");
    expect(runs).toBe(2);
  });
});

describe("a run that timed out while a prompt was pending", () => {
  it("names the prompt and points at whileWaiting: false", async () => {
    const wf = workflow({ name: "slow-human", timeout: 30 }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "Approve the draft?" }) });
        return StopEvent({ result: "never" });
      },
    );
    const clock = useManualClock();
    onTestFinished(() => clock.restore());
    const outcome = wf.run().then(
      () => null,
      (e: unknown) => e as Error,
    );
    await clock.advance(30);
    const error = await outcome;
    expect(error).toBeInstanceOf(WorkflowTimeoutError);
    expect(error?.message).toContain("Approve the draft?");
    expect(error?.message).toContain("whileWaiting: false");
  });
});

describe("a held event and a snapshot", () => {
  const Vote = defineEvent("Vote", { by: z.string() });
  const tally = () =>
    workflow({ name: "held-restore", timeout: 5_000, external: [Vote] }).step(
      "tally",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent], awaits: [Vote] },
      async (ctx) => {
        const gate = await ctx.run("gate", () => "open");
        await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: gate }) });
        const vote = await ctx.waitForEvent(Vote, { where: { by: "ann" } });
        return StopEvent({ result: vote.by });
      },
    );

  it("is kept in the snapshot and taken by the waiter of the resumed run", async () => {
    const wf = tally();
    const handler = wf.run();
    handler.sendEvent(Vote({ by: "ann" }));
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot()));
    expect(snapshot.machine.context.held).toEqual([{ type: "Vote", by: "ann" }]);
    handler.cancel();
    await handler.catch(() => undefined);
    const resumed = wf.resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "go" }));
    await expect(resumed).resolves.toBe("ann");
  });

  it("a snapshot written before held events existed (no held branch) still resumes", async () => {
    const wf = tally();
    const handler = wf.run();
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot()));
    handler.cancel();
    await handler.catch(() => undefined);
    delete snapshot.machine.context.held;
    const resumed = wf.resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "go" }));
    resumed.sendEvent(Vote({ by: "ann" }));
    await expect(resumed).resolves.toBe("ann");
  });

  it("stays held when a stored run is detached, and is taken after resume", async () => {
    const wf = tally();
    const store = new MemoryStore();
    const handler = wf.run({}, { store, runId: "held-1" });
    await wf.sendEvent("held-1", Vote({ by: "ann" }), { store });
    for await (const ev of handler.streamEvents({ all: true })) if (ev.type === "InputRequiredEvent") break;
    await handler.detach();
    const resumed = wf.resume("held-1", { store });
    const all: string[] = [];
    const watching = (async () => {
      for await (const ev of resumed.streamEvents({ all: true })) all.push(ev.type);
    })();
    await wf.sendEvent("held-1", HumanResponseEvent({ response: "go" }), { store });
    await expect(resumed).resolves.toBe("ann");
    await watching;
    expect(all).not.toContain("EventRejectedEvent");
  });
});
