import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  MemoryStore,
  SnapshotError,
  StartEvent,
  StopEvent,
  WorkflowStateError,
  workflow,
} from "../../src/index.js";
import { collectStream, sleep } from "../helpers.js";

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

  it("fails the run with the SnapshotError when a checkpoint can never be saved, instead of retrying it", async () => {
    // A store with an item size limit (as DynamoDB's 400 KB): retrying cannot make a snapshot fit.
    class Limited extends MemoryStore {
      override async save(...args: Parameters<MemoryStore["save"]>): Promise<void> {
        const [snapshot] = args;
        if (JSON.stringify(snapshot).length > 8_000)
          throw new SnapshotError(`Run "${snapshot.runId}" is over this store's 8 KB item limit`);
        return super.save(...args);
      }
    }
    const store = new Limited();
    let charged = 0;
    const wf = workflow({ name: "too-big", timeout: 5_000 }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        ctx.set("notes", "x".repeat(10_000));
        const receipt = await ctx.run("charge", async () => `receipt ${++charged}`);
        return StopEvent({ result: receipt });
      },
    );
    const started = Date.now();
    const handler = wf.run(undefined, { store, runId: "big-1" });
    const stream = collectStream(handler);
    const error = await handler.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotError);
    expect((error as Error).message).toBe(`Run "big-1" is over this store's 8 KB item limit`);
    expect(Date.now() - started).toBeLessThan(2_000); // not the run's timeout
    expect((await stream).at(-1)).toMatchObject({
      type: "WorkflowFailedEvent",
      error: { name: "SnapshotError" },
    });
    // The store no longer says running: the last snapshot it could take, marked failed.
    const stored = await store.load("big-1");
    expect(stored?.snapshot.status).toBe("failed");
    expect(stored?.lease).toBeNull();
    await expect(wf.resume("big-1", { store })).rejects.toThrow(/has ended \(failed\)/);
  });
});
