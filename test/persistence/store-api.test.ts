import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  MemoryStore,
  StartEvent,
  StopEvent,
  WorkflowStateError,
  workflow,
} from "../../src/index.js";
import { sleep } from "../helpers.js";

const Note = defineEvent("Note", { text: z.string() });

const approval = workflow({ name: "api-approval" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({ prefix: "?" }))
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );

describe("running with a store: the API around it", () => {
  it("wf.sendEvent validates the event before it reaches the store", async () => {
    const store = new MemoryStore();
    await expect(approval.sendEvent("x", Note({ text: "hi" }) as never, { store })).rejects.toBeInstanceOf(
      EventValidationError,
    );
    await expect(
      approval.sendEvent("x", { type: "HumanResponseEvent", response: 42 } as never, { store }),
    ).rejects.toBeInstanceOf(EventValidationError);
    await expect(approval.sendEvent("x", HumanResponseEvent({ response: "ok" }), { store })).rejects.toBeInstanceOf(
      WorkflowStateError,
    ); // no such run
  });

  it("detach needs a store", async () => {
    const handler = approval.run();
    await expect(handler.detach()).rejects.toBeInstanceOf(WorkflowStateError);
    handler.cancel();
    await handler.catch(() => undefined);
  });

  it("a handler loading from a store has no actor yet, and queues what it is asked to do", async () => {
    const store = new MemoryStore();
    const first = approval.run(undefined, { store, runId: "load-1" });
    while ((await store.load("load-1"))?.snapshot.status !== "waiting") await sleep(2);
    await first.detach();
    const resumed = approval.resume("load-1", { store });
    expect(() => resumed.actor).toThrow(WorkflowStateError);
    expect(resumed.pendingInput).toEqual([]);
    resumed.sendEvent(HumanResponseEvent({ response: "queued" })); // applied once loaded
    await expect(resumed).resolves.toBe("queued");
  });

  it("does not let an old snapshot bring a finished run in the store back", async () => {
    const store = new MemoryStore();
    const handler = approval.run(undefined, { store, runId: "old-1" });
    while ((await store.load("old-1"))?.snapshot.status !== "waiting") await sleep(2);
    const old = handler.snapshot();
    handler.sendEvent(HumanResponseEvent({ response: "done" }));
    await handler;
    await expect(approval.resume(old, { store })).rejects.toBeInstanceOf(WorkflowStateError);
    expect((await store.load("old-1"))?.snapshot.status).toBe("completed");
  });

  it("resuming by run id needs the store", () => {
    expect(() => approval.resume("some-id")).toThrow(/needs the store/);
  });
});

describe("a store that fails for a while", () => {
  it("keeps a ctx.run waiting until its result is saved, retrying the save", async () => {
    class Flaky extends MemoryStore {
      failures = 2;
      override async save(...args: Parameters<MemoryStore["save"]>): Promise<void> {
        if (!args[1].create && !args[1].release && this.failures-- > 0) throw new Error("store down");
        return super.save(...args);
      }
    }
    const store = new Flaky();
    const wf = workflow({ name: "flaky-store" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) =>
      StopEvent({ result: await ctx.run("call", async () => "done") }),
    );
    await expect(wf.run(undefined, { store, runId: "f1" })).resolves.toBe("done");
    expect(store.failures).toBeLessThan(0);
    expect((await store.load("f1"))?.snapshot.status).toBe("completed");
  });
});
