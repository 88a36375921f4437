import { describe, expect, it } from "vitest";
import {
  type AnyActorRef,
  type AnyMachineSnapshot,
  assign,
  createActor,
  type InspectionEvent,
  sendTo,
  setup,
  toPromise,
  waitFor,
} from "xstate";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  type RunContext,
  SnapshotError,
  StartEvent,
  StopEvent,
  startEvent,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";

const Topic = startEvent({ topic: z.string() });

/** draft → a person approves → decide; the draft step writes state once (to count re-runs). */
function approvalFlow(log: string[] = []) {
  return workflow({ name: "approval", start: Topic })
    .step("draft", { accepts: Topic, emits: [InputRequiredEvent] }, async (ctx, ev) => {
      log.push("draft");
      ctx.set("draft", `about ${ev.topic}`);
      return InputRequiredEvent({ prefix: "approve? ", payload: `about ${ev.topic}` });
    })
    .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx, ev) =>
      StopEvent({ result: `${ctx.get("draft")}: ${ev.response}` }),
    );
}

/** Every snapshot's value is the one its context implies (no region out of step with the run). */
function regionsOf(context: RunContext, steps: readonly string[], human: boolean): unknown {
  const running: Record<string, string> = {};
  for (const step of steps) running[step] = step in context.slots ? "running" : "idle";
  if (human) running.human = context.pending.length > 0 ? "waiting" : "idle";
  return { running };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the statechart shape, as plain XState sees it", () => {
  it("has a region per step and a human region: running while a step runs, waiting while a person is asked", async () => {
    const actor = createActor(approvalFlow().toMachine(), { input: { topic: "tea" } });
    const values: string[] = [];
    actor.subscribe((s) => {
      if (s.status !== "active") return;
      values.push(JSON.stringify(s.value));
      expect(s.value).toEqual(regionsOf(s.context as RunContext, ["draft", "decide"], true));
    });
    actor.start();
    const waiting = await waitFor(actor, (s) => s.matches({ running: { human: "waiting" } }));
    expect(waiting.value).toEqual({ running: { draft: "idle", decide: "idle", human: "waiting" } });
    actor.send({ type: "HumanResponseEvent", response: "yes" });
    await expect(toPromise(actor)).resolves.toBe("about tea: yes");
    expect(actor.getSnapshot().value).toBe("completed");
    expect([...new Set(values)]).toEqual([
      '{"running":{"draft":"idle","decide":"idle","human":"idle"}}',
      '{"running":{"draft":"running","decide":"idle","human":"idle"}}',
      '{"running":{"draft":"idle","decide":"idle","human":"waiting"}}',
      '{"running":{"draft":"idle","decide":"running","human":"idle"}}',
    ]);
  });

  it("runs each invocation as a promise actor registered under its step's name", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wf = workflow({ name: "slow" }).step("wait", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      await gate;
      return StopEvent({ result: "done" });
    });
    const machine = wf.toMachine();
    expect(Object.keys(machine.implementations.actors).sort()).toEqual(["stepchart.clock", "wait"]);
    const actors: { id: string; src: unknown }[] = [];
    const actor = createActor(machine, {
      inspect: (ev) => {
        const ref = ev.actorRef as AnyActorRef;
        if (ev.type === "@xstate.actor" && ref.sessionId !== ev.rootId) actors.push({ id: ref.id, src: ref.src });
      },
    }).start();
    await tick();
    const child = actor.getSnapshot().children["wait:0"] as AnyActorRef;
    expect(child.src).toBe("wait");
    expect(child.getSnapshot()).toMatchObject({ status: "active", input: { id: 0 } });
    release();
    await expect(toPromise(actor)).resolves.toBe("done");
    expect(actors).toContainEqual({ id: "wait:0", src: "wait" });
  });

  it("processes every workflow event as a machine event of its own type, from the step that produced it", async () => {
    const Query = defineEvent("Query", { q: z.string() });
    const Docs = defineEvent("Docs", { n: z.number() });
    const wf = workflow({ name: "search" })
      .step("plan", { accepts: StartEvent, emits: [Query] }, async (ctx) => {
        ctx.sendEvent(Query({ q: "a" }));
        ctx.sendEvent(Query({ q: "b" }));
      })
      .step("search", { accepts: Query, emits: [Docs] }, async (_ctx, ev) => Docs({ n: ev.q.length }))
      .step("merge", { accepts: Docs, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { Docs: 2 });
        return all ? StopEvent({ result: all.length }) : null;
      });
    const seen: { type: string; from: string | undefined }[] = [];
    const inspect = (ev: InspectionEvent) => {
      if (ev.type !== "@xstate.event" || ev.actorRef !== actor) return;
      const type = (ev.event as { type: string }).type;
      if (!type.startsWith("xstate.")) seen.push({ type, from: (ev.sourceRef as AnyActorRef | undefined)?.id });
    };
    const actor = createActor(wf.toMachine(), { inspect });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe(2);
    const workflowEvents = seen.filter((e) => !e.type.startsWith("stepchart."));
    expect(workflowEvents).toEqual([
      { type: "StartEvent", from: undefined },
      { type: "Query", from: "plan:0" },
      { type: "Query", from: "plan:0" },
      { type: "Docs", from: "search:1" },
      { type: "Docs", from: "search:2" },
      { type: "StopEvent", from: "merge:4" },
    ]);
  });

  it("caps running invocations of a step at numWorkers; queued events wait in context", async () => {
    const Job = defineEvent("Job", { i: z.number() });
    const Done = defineEvent("Done", { i: z.number() });
    let busy = 0;
    let most = 0;
    const wf = workflow({ name: "fan", timeout: null })
      .step("start", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (let i = 0; i < 20; i++) ctx.sendEvent(Job({ i }));
      })
      .step("work", { accepts: Job, emits: [Done], numWorkers: 4 }, async (_ctx, ev) => {
        most = Math.max(most, ++busy);
        await tick();
        busy--;
        return Done({ i: ev.i });
      })
      .step("gather", { accepts: Done, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, { Done: 20 });
        return all ? StopEvent({ result: all.reduce((sum, e) => sum + e.i, 0) }) : null;
      });
    const actor = createActor(wf.toMachine());
    let children = 0;
    actor.subscribe((s) => {
      children = Math.max(children, Object.keys(s.children).filter((id) => id.startsWith("work:")).length);
    });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe(190);
    expect(most).toBe(4);
    expect(children).toBe(4);
  });

  it("moves only the region of the step a targeted send went to", async () => {
    const Lookup = defineEvent("Lookup", { q: z.string() });
    const wf = workflow({ name: "targeted" })
      .step("route", { accepts: StartEvent, emits: [Lookup] }, async (ctx) => {
        ctx.sendEvent(Lookup({ q: "x" }), { step: "docs" });
      })
      .step("docs", { accepts: Lookup, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: `docs ${ev.q}` }))
      .step("faq", { accepts: Lookup, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: `faq ${ev.q}` }));
    const actor = createActor(wf.toMachine());
    const faq = new Set<string>();
    actor.subscribe((s) => {
      if (s.status === "active") faq.add((s.value as { running: Record<string, string> }).running.faq as string);
    });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe("docs x");
    expect([...faq]).toEqual(["idle"]);
  });

  it("is embedded with invoke: the parent sees the human region waiting and answers with sendTo", async () => {
    const approval = approvalFlow().toMachine();
    const app = setup({ actors: { approval } }).createMachine({
      context: { answer: "" },
      initial: "working",
      states: {
        working: {
          invoke: {
            id: "flow",
            src: "approval",
            input: { topic: "nesting" },
            onDone: { target: "done", actions: assign({ answer: ({ event }) => String(event.output) }) },
          },
          on: { approve: { actions: sendTo("flow", { type: "HumanResponseEvent", response: "approved" }) } },
        },
        done: { type: "final" },
      },
      output: ({ context }) => context.answer,
    });
    const actor = createActor(app).start();
    const flow = actor.getSnapshot().children.flow as AnyActorRef;
    await waitFor(flow, (s: AnyMachineSnapshot) => s.matches({ running: { human: "waiting" } }));
    actor.send({ type: "approve" });
    await expect(toPromise(actor)).resolves.toBe("about nesting: approved");
  });

  it("continues from a plain persisted snapshot at a prompt, by itself", async () => {
    const log: string[] = [];
    const machine = approvalFlow(log).toMachine();
    const first = createActor(machine, { input: { topic: "tea" } }).start();
    await waitFor(first, (s) => s.matches({ running: { human: "waiting" } }));
    const saved = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    const second = createActor(machine, { snapshot: saved }).start();
    expect(second.getSnapshot().matches({ running: { human: "waiting" } })).toBe(true);
    second.send({ type: "HumanResponseEvent", response: "later" });
    await expect(toPromise(second)).resolves.toBe("about tea: later");
    expect(log).toEqual(["draft"]);
  });

  it("continues from a plain persisted snapshot taken mid-step: the step re-runs, its ctx effects once", async () => {
    const Next = defineEvent("Next", { n: z.number() });
    let release = () => {};
    let runs = 0;
    const wf = workflow({ name: "midstep" })
      .step("count", { accepts: StartEvent, emits: [Next] }, async (ctx) => {
        runs++;
        ctx.update("n", (n) => ((n as number | undefined) ?? 0) + 1);
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return Next({ n: ctx.get("n") as number });
      })
      .step("stop", { accepts: Next, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.n }));
    const machine = wf.toMachine();
    const first = createActor(machine).start();
    await waitFor(first, (s) => (s.context as RunContext).state.n === 1);
    const saved = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    expect(Object.keys(saved.children).sort()).toEqual(["count:0", "stepchart.clock"]);
    const second = createActor(machine, { snapshot: saved }).start();
    await tick();
    release();
    await expect(toPromise(second)).resolves.toBe(1);
    expect(runs).toBe(2);
  });

  it("re-arms the run clock itself after a plain restore (XState keeps no timers in snapshots)", async () => {
    const wf = workflow({ name: "clock", timeout: 60 }).step(
      "hang",
      { accepts: StartEvent, emits: [StopEvent] },
      () => new Promise<never>(() => {}),
    );
    const first = createActor(wf.toMachine()).start();
    const saved = JSON.parse(JSON.stringify(first.getPersistedSnapshot()));
    first.stop();
    const second = createActor(wf.toMachine(), { snapshot: saved }).start();
    await expect(toPromise(second)).rejects.toBeInstanceOf(WorkflowTimeoutError);
    expect(second.getSnapshot().value).toBe("timedOut");
  });

  it("ignores XState done and error events sent from outside for a running step", async () => {
    let release = () => {};
    const wf = workflow({ name: "forge" }).step("work", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      return StopEvent({ result: "real" });
    });
    const actor = createActor(wf.toMachine()).start();
    await tick();
    actor.send({ type: "xstate.done.actor.work:0", output: null, actorId: "work:0" } as never);
    actor.send({ type: "xstate.error.actor.work:0", error: new Error("forged"), actorId: "work:0" } as never);
    expect(actor.getSnapshot().value).toEqual({ running: { work: "running" } });
    release();
    await expect(toPromise(actor)).resolves.toBe("real");
  });

  it("refuses a stepchart snapshot whose regions disagree with its context", async () => {
    const wf = approvalFlow();
    const handler = wf.run({ topic: "x" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = handler.snapshot();
    handler.cancel();
    await handler.catch(() => undefined);
    const value = snapshot.machine.value as { running: Record<string, string> };
    const lying = {
      ...snapshot,
      machine: { ...snapshot.machine, value: { running: { ...value.running, human: "idle" } } },
    };
    expect(() => wf.resume(lying)).toThrow(SnapshotError);
    expect(() => wf.resume(lying)).toThrow(/must be in state/);
  });

  it("ends an invocation that returned nothing even when its context entry changed as it settled (review bug 2)", async () => {
    const Yes = defineEvent("Yes", {});
    const No = defineEvent("No", {});
    // The losing wait takes the second vote: its waiter's journal entry replaces the invocation's
    // context object between the step's end and XState's done event, a few microtasks later.
    for (let depth = 0; depth < 6; depth++) {
      const wf = workflow({ name: "race", timeout: 1_000 })
        .step("decide", { accepts: StartEvent, emits: [StopEvent], awaits: [Yes, No] }, async (ctx) => {
          await Promise.race([ctx.waitForEvent(Yes), ctx.waitForEvent(No)]);
          return null;
        })
        .step("vote", { accepts: StartEvent, emits: [Yes, No] }, async (ctx) => {
          await tick();
          ctx.sendEvent(Yes({}));
          for (let i = 0; i < depth; i++) await null;
          ctx.sendEvent(No({}));
        });
      const actor = createActor(wf.toMachine()).start();
      // Both steps end with nothing returned: the run stalls at once rather than timing out.
      await expect(toPromise(actor)).rejects.toMatchObject({ code: "STALLED" });
      expect((actor.getSnapshot().context as RunContext).inflight).toEqual([]);
    }
  });

  it("hands steps and streams plain events: an event one run produced, sent to another, is an event from outside (review bug 3)", async () => {
    const Job = defineEvent("Job", { n: z.number() });
    const make = () => {
      const seen: number[] = [];
      const wf = workflow({ name: "jobs", timeout: 2_000 })
        .step("start", { accepts: StartEvent, emits: [Job] }, async (ctx) => ctx.sendEvent(Job({ n: 1 })))
        .step("keep", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
          await ctx.waitForEvent(HumanResponseEvent);
          return StopEvent({ result: "ok" });
        })
        .step("work", { accepts: Job, emits: [StopEvent] }, async (_ctx, ev) => {
          seen.push(ev.n);
          return null;
        });
      return { wf, seen };
    };
    const a = make();
    const runA = a.wf.run();
    let captured: unknown;
    for await (const ev of runA.streamEvents({ all: true })) {
      if (ev.type !== "Job") continue;
      captured = ev;
      break;
    }
    runA.sendEvent(HumanResponseEvent({ response: "x" }));
    await runA;
    const b = make();
    const runB = b.wf.run();
    await waitFor(runB.actor, (s) => !("start" in (s.context as RunContext).slots) && b.seen.length === 1);
    runB.sendEvent(captured as never);
    runB.sendEvent(HumanResponseEvent({ response: "x" }));
    await expect(runB).resolves.toBe("ok");
    expect(b.seen).toEqual([1, 1]);
  });

  it("resumes a stepchart snapshot whose value a store kept with its keys in another order (review bug 5)", async () => {
    const wf = approvalFlow();
    const handler = wf.run({ topic: "keys" });
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = handler.snapshot();
    await handler.detach().catch(() => undefined);
    handler.cancel();
    await handler.catch(() => undefined);
    const { draft, decide, human } = (snapshot.machine.value as { running: Record<string, string> }).running;
    const reordered = { ...snapshot, machine: { ...snapshot.machine, value: { running: { human, decide, draft } } } };
    const resumed = wf.resume(reordered);
    resumed.sendEvent(HumanResponseEvent({ response: "ok" }));
    await expect(resumed).resolves.toBe("about keys: ok");
  });
});
