import { describe, expect, it } from "vitest";
import { type AnyActorRef, assign, createActor, setup, toPromise } from "xstate";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  WorkflowStepError,
  workflow,
} from "../../src/index.js";

const Topic = startEvent({ topic: z.string() });
const Draft = defineEvent("Draft", { text: z.string() });

const approval = workflow({ name: "approval", start: Topic })
  .step("draft", { accepts: Topic, emits: [InputRequiredEvent] }, async (ctx, ev) => {
    ctx.set("draft", `about ${ev.topic}`);
    return InputRequiredEvent({ prefix: "approve? ", payload: `about ${ev.topic}` });
  })
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx, ev) =>
    StopEvent({ result: `${ctx.get("draft")}: ${ev.response}` }),
  );

describe("wf.toMachine", () => {
  it("runs standalone with createActor + toPromise, input = the start fields", async () => {
    const wf = workflow({ name: "chain", start: Topic })
      .step("a", { accepts: Topic, emits: [Draft] }, async (_ctx, ev) => Draft({ text: ev.topic.toUpperCase() }))
      .step("b", { accepts: Draft, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: `${ev.text}!` }));
    const actor = createActor(wf.toMachine(), { input: { topic: "cats" } });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe("CATS!");
  });

  it("registers each step's actor logic under the step name (and the run clock's)", () => {
    const machine = approval.toMachine({ shape: "statechart" });
    expect(Object.keys(machine.implementations.actors).sort()).toEqual(["decide", "draft", "stepchart.clock"]);
    const compact = approval.toMachine({ shape: "compact" });
    expect(Object.keys(compact.implementations.actors).sort()).toEqual(["decide", "draft"]);
  });

  it("compact shape: spawns each invocation as an actor whose src is the step name when the run is inspected", async () => {
    const spawned: { id: string; src: unknown; parent: string | undefined }[] = [];
    const actor = createActor(approval.toMachine({ shape: "compact" }), {
      input: { topic: "x" },
      inspect: (ev) => {
        const ref = ev.actorRef as AnyActorRef;
        if (ev.type === "@xstate.actor" && ref._parent)
          spawned.push({ id: ref.id, src: ref.src, parent: ref._parent.id });
      },
    }).start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(spawned).toEqual([{ id: "draft:0", src: "draft", parent: actor.id }]);
    expect(actor.getSnapshot().context.pending).toHaveLength(1);
    // The finished invocation's actor is stopped and gone from the snapshot.
    expect(Object.keys(actor.getSnapshot().children)).toEqual([]);
    actor.send({ type: "HumanResponseEvent", response: "ok" });
    await expect(toPromise(actor)).resolves.toBe("about x: ok");
    expect(spawned.map((s) => s.id)).toEqual(["draft:0", "decide:1"]);
  });

  it("compact shape: shows in-flight invocations in snapshot.children with stepActors: 'always'", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const wf = workflow({ name: "slow" }).step("wait", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      await gate;
      return StopEvent({ result: "done" });
    });
    const actor = createActor(wf.toMachine({ shape: "compact", stepActors: "always" })).start();
    expect(Object.keys(actor.getSnapshot().children)).toEqual(["wait:0"]);
    expect(actor.getSnapshot().children["wait:0"]?.src).toBe("wait");
    release();
    await expect(toPromise(actor)).resolves.toBe("done");
  });

  it("compact shape: runs invocations inside the workflow actor when nobody inspects it", async () => {
    const actor = createActor(approval.toMachine({ shape: "compact" }), { input: { topic: "y" } }).start();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(actor.getSnapshot().context.pending).toHaveLength(1);
    expect(Object.keys(actor.getSnapshot().children)).toEqual([]);
    actor.send({ type: "HumanResponseEvent", response: "fine" });
    await expect(toPromise(actor)).resolves.toBe("about y: fine");
  });

  it("answers human input with a raw actor.send and keeps the prompt in context", async () => {
    const actor = createActor(approval.toMachine(), { input: { topic: "tea" } });
    const prompts: unknown[] = [];
    actor.on("InputRequiredEvent", (ev) => {
      prompts.push(ev);
      queueMicrotask(() => actor.send({ type: "HumanResponseEvent", response: "yes" }));
    });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe("about tea: yes");
    expect(prompts).toEqual([{ type: "InputRequiredEvent", prefix: "approve? ", payload: "about tea" }]);
  });

  it("records an invalid raw event as EventRejectedEvent and does not route it", async () => {
    const actor = createActor(approval.toMachine(), { input: { topic: "tea" } });
    const rejected: unknown[] = [];
    actor.on("EventRejectedEvent", (ev) => rejected.push(ev));
    actor.on("InputRequiredEvent", () => {
      queueMicrotask(() => {
        actor.send({ type: "HumanResponseEvent", response: 42 } as never);
        actor.send({ type: "Nonsense" } as never);
        actor.send({ type: "HumanResponseEvent", response: "ok" });
      });
    });
    actor.start();
    await expect(toPromise(actor)).resolves.toBe("about tea: ok");
    expect(rejected).toEqual([
      {
        type: "EventRejectedEvent",
        event: { type: "HumanResponseEvent", response: 42 },
        issues: [{ path: "response", message: "Invalid input: expected string, received number" }],
      },
      {
        type: "EventRejectedEvent",
        event: { type: "Nonsense" },
        issues: [{ path: "type", message: 'this workflow does not accept events of type "Nonsense"' }],
      },
    ]);
  });

  it("errors the actor with the WorkflowError on failure", async () => {
    const wf = workflow({ name: "fails" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      throw new Error("nope");
    });
    const actor = createActor(wf.toMachine()).start();
    const err = await toPromise(actor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(actor.getSnapshot().status).toBe("error");
  });

  it("nests inside another machine with invoke, onDone and HITL through sendTo", async () => {
    const app = setup({ actors: { approval: approval.toMachine() } }).createMachine({
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
        },
        done: { type: "final" },
      },
      output: ({ context }) => context.answer,
    });
    const actor = createActor(app).start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const child = actor.getSnapshot().children.flow;
    expect(child?.getSnapshot().context.pending).toHaveLength(1);
    child?.send({ type: "HumanResponseEvent", response: "approved" });
    await expect(toPromise(actor)).resolves.toBe("about nesting: approved");
  });

  it("keeps the run's context JSON: a snapshot mid-run survives JSON round trip", async () => {
    const actor = createActor(approval.toMachine(), { input: { topic: "json" } }).start();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const persisted = actor.getPersistedSnapshot() as unknown as { context: Record<string, unknown> };
    expect(JSON.parse(JSON.stringify(persisted.context))).toEqual(persisted.context);
    // Few top-level keys: XState copies them on every assign (13 since held events got their own branch).
    expect(Object.keys(persisted.context).length).toBeLessThanOrEqual(13);
    actor.stop();
  });
});
