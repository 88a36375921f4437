import { describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  EventRoutingError,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepStateError,
  StopEvent,
  WaitTimeoutError,
  WorkflowStepError,
  workflow,
} from "../../src/index.js";
import { useManualClock } from "../../src/testing/index.js";
import { collectStream } from "../helpers.js";

const Item = defineEvent("Item", { i: z.number() });
const Other = defineEvent("Other", { label: z.string() });

describe("ctx.get / ctx.set / ctx.update", () => {
  it("shares state between steps and reads its own writes", async () => {
    const Next = defineEvent("Next", {});
    const wf = workflow({ name: "state" })
      .step("a", { accepts: StartEvent, emits: [Next] }, async (ctx) => {
        ctx.set("visits", 1);
        expect(ctx.get("visits")).toBe(1);
        return Next();
      })
      .step("b", { accepts: Next, emits: [StopEvent] }, async (ctx) => {
        const visits = ctx.update<number>("visits", (v) => (v ?? 0) + 1);
        return StopEvent({ result: { visits, fallback: ctx.get("missing", "dflt") } });
      });
    await expect(wf.run()).resolves.toEqual({ visits: 2, fallback: "dflt" });
  });

  it("throws StepStateError for a missing key without default", async () => {
    const wf = workflow({ name: "missing" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      try {
        ctx.get("nope");
      } catch (err) {
        return StopEvent({ result: `${(err as StepStateError).code}:${(err as StepStateError).key}` });
      }
      return StopEvent({ result: "no error" });
    });
    await expect(wf.run()).resolves.toBe("STATE:nope");
  });

  it.each([
    ["a function", () => 1, "is a function"],
    ["a class instance", new Date(0), "Date instance"],
    ["undefined", undefined, "is undefined"],
    ["NaN", Number.NaN, "not a finite number"],
    ["a nested __proto__ key", JSON.parse('{"a":{"__proto__":{"x":1}}}'), 'forbidden key "__proto__"'],
    [
      "a cycle",
      (() => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      })(),
      "cycle",
    ],
  ])("rejects %s with a StepStateError naming the key", async (_label, value, message) => {
    const wf = workflow({ name: "json" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      ctx.set("bad", value);
      return StopEvent({ result: "stored" });
    });
    const err = await wf.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowStepError);
    const cause = (err as WorkflowStepError).cause as StepStateError;
    expect(cause).toBeInstanceOf(StepStateError);
    expect(cause.key).toBe("bad");
    expect(cause.message).toContain(message);
  });

  it("types, validates and defaults state with a `state` schema", async () => {
    const wf = workflow({
      name: "typed",
      state: z.object({ count: z.number().default(10), label: z.string().optional() }),
    }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const start = ctx.get("count");
      ctx.update("count", (c) => (c ?? 0) + 5);
      let rejected = "";
      try {
        ctx.set("count", "x" as unknown as number);
      } catch (err) {
        rejected = (err as Error).message;
      }
      try {
        (ctx.set as (k: string, v: unknown) => void)("unknown", 1);
      } catch (err) {
        rejected += ` | ${(err as Error).message}`;
      }
      return StopEvent({ result: { start, end: ctx.get("count"), rejected } });
    });
    const result = (await wf.run()) as { start: number; end: number; rejected: string };
    expect(result.start).toBe(10);
    expect(result.end).toBe(15);
    expect(result.rejected).toContain('State key "count" does not match the `state` schema');
    expect(result.rejected).toContain('State key "unknown" is not declared');
  });
});

describe("ctx.sendEvent", () => {
  it("broadcasts to every step that accepts the event, or targets one step", async () => {
    const wf = workflow({ name: "send" })
      .step("fan", { accepts: StartEvent, emits: [Item] }, async (ctx) => {
        ctx.sendEvent(Item({ i: 1 }));
        ctx.sendEvent(Item({ i: 2 }), { step: "left" });
      })
      .step("left", { accepts: Item, emits: [Other] }, async (_ctx, ev) => Other({ label: `L${ev.i}` }))
      .step("right", { accepts: Item, emits: [Other] }, async (_ctx, ev) => Other({ label: `R${ev.i}` }))
      .step("join", { accepts: Other, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, [Other, Other, Other]);
        return all ? StopEvent({ result: all.map((e) => e.label).sort() }) : null;
      });
    await expect(wf.run()).resolves.toEqual(["L1", "L2", "R1"]);
  });

  it("delivers a burst of sends in call order, interleaved correctly with other ctx ops", async () => {
    const wf = workflow({ name: "burst" })
      .step("fan", { accepts: StartEvent, emits: [Item] }, async (ctx) => {
        for (let i = 0; i < 5; i++) ctx.sendEvent(Item({ i }));
        ctx.set("between", true);
        ctx.sendEvent(Item({ i: 5 }), { step: "sink" });
        ctx.sendEvent(Item({ i: 6 }));
      })
      .step("sink", { accepts: Item, emits: [StopEvent], numWorkers: 1 }, async (ctx, ev) => {
        ctx.update<number[]>("seen", (seen) => [...(seen ?? []), ev.i]);
        const seen = ctx.get<number[]>("seen");
        return seen.length === 7 ? StopEvent({ result: { seen, between: ctx.get("between") } }) : null;
      });
    await expect(wf.run()).resolves.toEqual({ seen: [0, 1, 2, 3, 4, 5, 6], between: true });
  });

  it("ends a burst at a StopEvent: the run completes with it and routes nothing after it", async () => {
    const started: number[] = [];
    const wf = workflow({ name: "burst-stop" })
      .step("fan", { accepts: StartEvent, emits: [Item, StopEvent] }, async (ctx) => {
        ctx.sendEvent(Item({ i: 1 }));
        ctx.sendEvent(StopEvent({ result: "stopped" }));
        ctx.sendEvent(Item({ i: 2 }));
      })
      .step("sink", { accepts: Item, emits: [] }, async (_ctx, ev) => {
        started.push(ev.i);
      });
    const handler = wf.run();
    const all = await collectStream(handler, { all: true });
    await expect(handler).resolves.toBe("stopped");
    expect(all.filter((e) => e.type === "Item").map((e) => e.i)).toEqual([1]);
    expect(started.includes(2)).toBe(false);
  });

  it("throws at once for an unknown step, a step that does not accept it, or an undeclared event", async () => {
    const wf = workflow({ name: "bad-send", external: [Other] })
      .step("a", { accepts: StartEvent, emits: [Item, StopEvent] }, async (ctx) => {
        const errors: string[] = [];
        for (const attempt of [
          () => ctx.sendEvent(Item({ i: 1 }), { step: "ghost" }),
          () => ctx.sendEvent(Item({ i: 1 }), { step: "a" }),
          () => (ctx.sendEvent as (e: unknown) => void)(Other({ label: "x" })),
        ]) {
          try {
            attempt();
          } catch (err) {
            errors.push(`${(err as EventRoutingError).code} ${(err as Error).message}`);
          }
        }
        return StopEvent({ result: errors });
      })
      .step("b", { accepts: [Item, Other], emits: [] }, async () => undefined);
    const errors = (await wf.run()) as string[];
    expect(errors).toEqual([
      'ROUTING ctx.sendEvent: there is no step "ghost"',
      'ROUTING ctx.sendEvent: step "a" does not accept "Item"',
      'ROUTING Step "a" sent "Other", which its `emits` does not declare (declares: Item, StopEvent)',
    ]);
  });

  it("fails the step that returns an event it did not declare", async () => {
    const wf = workflow({ name: "undeclared", external: [Other] })
      .step("a", { accepts: StartEvent, emits: [StopEvent] }, async () => Other({ label: "x" }) as never)
      .step("b", { accepts: Other, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    const err = (await wf.run().catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.message).toContain('Step "a" failed: returned "Other", which its `emits` does not declare');
  });
});

describe("ctx.collectEvents", () => {
  it("returns the list form in listed order and keeps extras for the next collection", async () => {
    const A = defineEvent("A", { n: z.number() });
    const B = defineEvent("B", { n: z.number() });
    const wf = workflow({ name: "collect" })
      .step("fan", { accepts: StartEvent, emits: [A, B] }, async (ctx) => {
        ctx.sendEvent(B({ n: 1 }));
        ctx.sendEvent(A({ n: 2 }));
        ctx.sendEvent(A({ n: 3 }));
        ctx.sendEvent(B({ n: 4 }));
        ctx.sendEvent(A({ n: 5 }));
        ctx.sendEvent(A({ n: 6 }));
      })
      .step("gather", { accepts: [A, B], emits: [StopEvent], numWorkers: 1 }, async (ctx, ev) => {
        const got = ctx.collectEvents(ev, [A, B, A]);
        if (!got) return null;
        const rounds = ctx.update<number[][]>("rounds", (r) => [...(r ?? []), got.map((e) => e.n)]);
        return rounds.length === 2 ? StopEvent({ result: rounds }) : null;
      });
    // Round one takes A2, B1, A3 (listed order; arrival order within A); B4 and A5 stay buffered.
    await expect(wf.run()).resolves.toEqual([
      [2, 1, 3],
      [5, 4, 6],
    ]);
  });

  it("collects 1 000 events with the count form and loses none under 4 workers", async () => {
    const Job = defineEvent("Job", { i: z.number() });
    const JobDone = defineEvent("JobDone", { i: z.number() });
    const wf = workflow({ name: "count-form" })
      .step("fan", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 1000; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [JobDone], numWorkers: 4 }, async (_ctx, ev) => JobDone({ i: ev.i }))
      .step("gather", { accepts: JobDone, emits: [StopEvent], numWorkers: 4 }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { JobDone: 1000 });
        return all ? StopEvent({ result: { n: all.length, sum: all.reduce((s, e) => s + e.i, 0) } }) : null;
      });
    await expect(wf.run()).resolves.toEqual({ n: 1000, sum: 499_500 });
  });
});

describe("ctx.waitForEvent", () => {
  it("suspends one invocation until a matching event, publishing its prompt", async () => {
    const wf = workflow({ name: "wait" }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const reply = await ctx.waitForEvent(HumanResponseEvent, {
          where: { topic: "colour" },
          prompt: InputRequiredEvent({ prefix: "favourite colour? ", topic: "colour" }),
        });
        return StopEvent({ result: reply.response });
      },
    );
    const handler = wf.run();
    const seen: string[] = [];
    for await (const ev of handler.streamEvents()) {
      seen.push(ev.type);
      if (ev.type === "InputRequiredEvent") {
        expect(handler.pendingInput).toEqual([
          { type: "InputRequiredEvent", prefix: "favourite colour? ", topic: "colour" },
        ]);
        handler.sendEvent(HumanResponseEvent({ response: "wrong topic", topic: "size" }));
        handler.sendEvent(HumanResponseEvent({ response: "blue", topic: "colour" }));
      }
    }
    expect(seen).toEqual(["InputRequiredEvent", "StopEvent"]);
    await expect(handler).resolves.toBe("blue");
    expect(handler.pendingInput).toEqual([]);
  });

  it("fails the step that prompts with an InputRequiredEvent its `emits` does not declare", async () => {
    // A prompting step must be known from its definition: that is what gives the machine its `human` region.
    const wf = workflow({ name: "undeclared-prompt", timeout: 1_000 }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        const reply = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
        return StopEvent({ result: reply.response });
      },
    );
    const handler = wf.run();
    const streamed = (await collectStream(handler)).map((ev) => ev.type);
    const err = (await handler.catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.step).toBe("ask");
    expect(err.cause).toBeInstanceOf(EventRoutingError);
    const cause = err.cause as EventRoutingError;
    expect(cause.step).toBe("ask");
    expect(cause.message).toBe(
      'Step "ask" prompted with "InputRequiredEvent", which its `emits` does not declare (declares: StopEvent)',
    );
    // Nobody was asked: the prompt never reached the stream or the pending input.
    expect(streamed).not.toContain("InputRequiredEvent");
    expect(handler.pendingInput).toEqual([]);
  });

  it("gives parallel invocations their own waiters (predicate form)", async () => {
    const Ask = defineEvent("Ask", { id: z.number() });
    const Reply = defineEvent("Reply", { id: z.number(), text: z.string() });
    const Answered = defineEvent("Answered", { text: z.string() });
    const wf = workflow({ name: "parallel-wait", external: [Reply] })
      .step("fan", { accepts: StartEvent, emits: [Ask] }, async (ctx) => {
        ctx.sendEvent(Ask({ id: 1 }));
        ctx.sendEvent(Ask({ id: 2 }));
      })
      .step("ask", { accepts: Ask, emits: [Answered], awaits: [Reply], numWorkers: 2 }, async (ctx, ev) => {
        ctx.writeEventToStream(ev);
        const reply = await ctx.waitForEvent(Reply, { where: (r) => r.id === ev.id });
        return Answered({ text: `${ev.id}:${reply.text}` });
      })
      .step("join", { accepts: Answered, emits: [StopEvent] }, async (ctx, ev) => {
        const both = ctx.collectEvents(ev, [Answered, Answered]);
        return both ? StopEvent({ result: both.map((e) => e.text).sort() }) : null;
      });
    const handler = wf.run();
    let asked = 0;
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "Ask" && ++asked === 2) {
        handler.sendEvent(Reply({ id: 2, text: "two" }));
        handler.sendEvent(Reply({ id: 1, text: "one" }));
      }
    }
    await expect(handler).resolves.toEqual(["1:one", "2:two"]);
  });

  it("fails the attempt with WaitTimeoutError after `timeout`", async () => {
    const wf = workflow({ name: "wait-timeout" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => StopEvent({ result: await ctx.waitForEvent(HumanResponseEvent, { timeout: 30 }) }),
    );
    const clock = useManualClock();
    onTestFinished(() => clock.restore());
    const outcome = wf.run().catch((e: unknown) => e);
    await clock.advance(30);
    const err = (await outcome) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.cause).toBeInstanceOf(WaitTimeoutError);
    expect((err.cause as WaitTimeoutError).code).toBe("WAIT_TIMEOUT");
  });
});

describe("ctx.runId / ctx.resources / ctx.attempt", () => {
  it("exposes the run id, merged resources and the attempt number", async () => {
    const wf = workflow({ name: "info", resources: { greeting: "hi", who: "default" } }).step(
      "a",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => StopEvent({ result: [ctx.runId, ctx.resources.greeting, ctx.resources.who, ctx.attempt.number] }),
    );
    await expect(wf.run({}, { runId: "r-7", resources: { who: "run" } })).resolves.toEqual(["r-7", "hi", "run", 1]);
  });
});

describe("ctx.writeEventToStream", () => {
  it("publishes without routing, in call order", async () => {
    const wf = workflow({ name: "stream" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      ctx.writeEventToStream(Item({ i: 1 }));
      ctx.writeEventToStream(Item({ i: 2 }));
      return StopEvent({ result: "done" });
    });
    const items = await collectStream(wf.run());
    expect(items).toEqual([
      { type: "Item", i: 1 },
      { type: "Item", i: 2 },
      { type: "StopEvent", result: "done" },
    ]);
  });
});
