/**
 * The behaviour every WorkflowStore must have, as one suite each store runs: records and leases,
 * listing, delivered events, and whole runs saved, resumed and answered through the store.
 */
import { describe, expect, it } from "vitest";
import {
  HumanResponseEvent,
  SnapshotError,
  StartEvent,
  StopEvent,
  type WorkflowSnapshot,
  WorkflowStateError,
  type WorkflowStore,
  workflow,
} from "../../src/index.js";
import { collectStream, deferred, sleep } from "../helpers.js";
import { approval, asRunning, eventually, finishedSnapshot, someSnapshot } from "./contract-fixtures.js";
import { describeLeaseContract } from "./lease-contract.js";

/** How a store's own test reaches under its API: writes bytes that are not JSON into a run's record. */
export type Corrupt = (store: WorkflowStore, runId: string) => Promise<void>;

export function describeStoreContract(
  name: string,
  makeStore: (leaseMs?: number) => Promise<WorkflowStore>,
  corrupt?: Corrupt,
): void {
  describe(`${name}: the WorkflowStore contract`, () => {
    describeLeaseContract(makeStore);

    it("saves, loads a copy, and deletes a run", async () => {
      const store = await makeStore();
      const snapshot = await someSnapshot("r1");
      await store.save(snapshot, { owner: "a", create: true });
      const loaded = await store.load("r1");
      expect(loaded?.snapshot).toEqual(snapshot);
      expect(loaded?.snapshot).not.toBe(snapshot);
      expect(loaded?.lease?.owner).toBe("a");
      await store.delete("r1");
      expect(await store.load("r1")).toBeUndefined();
    });

    it("refuses to create a run id twice, and to save over another runner's live lease", async () => {
      const store = await makeStore();
      const snapshot = await someSnapshot("r2");
      await store.save(snapshot, { owner: "a", create: true });
      await expect(store.save(snapshot, { owner: "a", create: true })).rejects.toBeInstanceOf(WorkflowStateError);
      await expect(store.save(snapshot, { owner: "b" })).rejects.toBeInstanceOf(WorkflowStateError);
      await expect(store.claim("r2", "b")).rejects.toBeInstanceOf(WorkflowStateError);
      expect(await store.renew("r2", "b")).toBe(false);
      expect(await store.renew("r2", "a")).toBe(true);
    });

    it("lets another runner claim a released or expired lease", async () => {
      const store = await makeStore(60);
      await store.save(await someSnapshot("r3"), { owner: "a", create: true });
      await store.release("r3", "a");
      expect((await store.claim("r3", "b"))?.lease?.owner).toBe("b");
      await sleep(80); // b's lease expires
      expect((await store.claim("r3", "c"))?.lease?.owner).toBe("c");
      expect(await store.claim("nope", "c")).toBeUndefined();
    });

    it("lists runs by status and workflow; a running run without a live lease is interrupted", async () => {
      const store = await makeStore(60);
      const waiting = await someSnapshot("w1");
      await store.save(waiting, { owner: "a", create: true });
      await store.save(asRunning(waiting, "x1"), { owner: "a", create: true });
      expect((await store.list({ status: "waiting" })).map((r) => r.runId)).toEqual(["w1"]);
      expect((await store.list({ status: "running" })).map((r) => r.runId)).toEqual(["x1"]);
      await sleep(80);
      expect((await store.list({ status: "interrupted" })).map((r) => r.runId)).toEqual(["x1"]);
      expect((await store.list({ status: "waiting" })).map((r) => r.runId)).toEqual(["w1"]);
      expect(await store.list({ workflow: "other" })).toEqual([]);
      expect((await store.list()).map((r) => r.runId).sort()).toEqual(["w1", "x1"]);
    });

    it("keeps delivered events for the lease holder until a save acknowledges them", async () => {
      const store = await makeStore();
      const snapshot = await someSnapshot("d1");
      await store.save(snapshot, { owner: "a", create: true });
      await store.deliver("d1", { type: "HumanResponseEvent", response: "1" });
      await store.deliver("d1", { type: "HumanResponseEvent", response: "2" });
      expect(await store.delivered("d1", "b")).toEqual([]);
      const seen = await store.delivered("d1", "a");
      expect(seen.map((d) => d.event.response)).toEqual(["1", "2"]);
      expect((seen[0] as { seq: number }).seq).toBeLessThan((seen[1] as { seq: number }).seq);
      expect(await store.delivered("d1", "a")).toHaveLength(2); // not taken by reading
      await store.save(snapshot, { owner: "a", acknowledge: (seen[0] as { seq: number }).seq });
      expect((await store.delivered("d1", "a")).map((d) => d.event.response)).toEqual(["2"]);
      await store.save(snapshot, { owner: "a", acknowledge: (seen[1] as { seq: number }).seq });
      expect(await store.delivered("d1", "a")).toEqual([]);
      await expect(store.deliver("ghost", { type: "HumanResponseEvent", response: "x" })).rejects.toBeInstanceOf(
        WorkflowStateError,
      );
    });

    it("saves a run as it goes, and its end (a cancel here) with the lease let go", async () => {
      const store = await makeStore();
      const wf = approval();
      const first = wf.run(undefined, { store, runId: "hitl-1" });
      await eventually(async () => (await store.load("hitl-1"))?.snapshot.status === "waiting");
      // The runner goes away without finishing (a deploy); its lease is released.
      first.cancel();
      await first.catch(() => undefined);
      expect((await store.load("hitl-1"))?.snapshot.status).toBe("cancelled");
      expect((await store.load("hitl-1"))?.lease).toBeNull();
    });

    it("continues a waiting run in a new runner and answers it from a third party", async () => {
      const store = await makeStore();
      const wf = approval();
      const first = wf.run(undefined, { store, runId: "hitl-2" });
      await eventually(async () => (await store.load("hitl-2"))?.snapshot.status === "waiting");
      await first.detach(); // this process lets go of the run (a deploy, or nothing to do but wait)
      await expect(first).rejects.toBeInstanceOf(WorkflowStateError);
      const saved = (await store.load("hitl-2"))?.snapshot as WorkflowSnapshot;
      expect((await store.load("hitl-2"))?.lease).toBeNull();

      // A third party answers while no runner is alive; the next runner applies it.
      await wf.sendEvent("hitl-2", HumanResponseEvent({ response: "approved" }), { store });
      expect(saved.status).toBe("waiting");
      const resumed = wf.resume("hitl-2", { store });
      const items = collectStream(resumed);
      await expect(resumed).resolves.toBe("approved after 1 ask(s)");
      expect((await items).map((e) => e.type)).toEqual(["InputRequiredEvent", "StopEvent"]);
      expect((await store.load("hitl-2"))?.snapshot.status).toBe("completed");
      expect((await store.load("hitl-2"))?.lease).toBeNull();
      expect(await store.list({ status: "completed" })).toHaveLength(1);
    });

    it("refuses a run id that exists, and a resume of a run another runner holds", async () => {
      const store = await makeStore();
      const wf = approval();
      const first = wf.run(undefined, { store, runId: "dup" });
      await eventually(async () => (await store.load("dup"))?.snapshot.status === "waiting");
      await expect(wf.run(undefined, { store, runId: "dup" })).rejects.toBeInstanceOf(WorkflowStateError);
      await expect(wf.resume("dup", { store })).rejects.toBeInstanceOf(WorkflowStateError);
      await expect(wf.resume("missing", { store })).rejects.toBeInstanceOf(WorkflowStateError);
      first.sendEvent(HumanResponseEvent({ response: "ok" }));
      await expect(first).resolves.toBe("ok after 1 ask(s)");
    });

    it("saves a ctx.run result before the step goes on, so a restart does not repeat it", async () => {
      const store = await makeStore();
      let calls = 0;
      const gate = deferred();
      const wf = workflow({ name: "llm" }).step("call", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
        const text = await ctx.run("completion", async () => `text ${++calls}`);
        await gate.promise;
        return StopEvent({ result: text });
      });
      const first = wf.run(undefined, { store, runId: "llm-1" });
      await eventually(async () => {
        const inv = (await store.load("llm-1"))?.snapshot.machine.context.inflight[0];
        return inv?.ops === 1;
      });
      await first.detach(); // its step is stopped mid-way, after the ctx.run
      gate.resolve();
      await expect(wf.resume("llm-1", { store })).resolves.toBe("text 1");
      expect(calls).toBe(1);
    });

    it("refuses an event for a run that has ended, and drops the events it ended without", async () => {
      const store = await makeStore();
      await store.save(await someSnapshot("end-1"), { owner: "a", epoch: 1, create: true });
      await store.deliver("end-1", { type: "HumanResponseEvent", response: "too slow" });
      await store.save(await finishedSnapshot("end-1"), { owner: "a", epoch: 1 });
      expect(await store.delivered("end-1", "a")).toEqual([]);
      await expect(store.deliver("end-1", { type: "HumanResponseEvent", response: "late" })).rejects.toThrow(
        new WorkflowStateError('Run "end-1" has ended (completed); it takes no more events'),
      );
    });

    it("wf.sendEvent to a run that ended throws WorkflowStateError, as handler.sendEvent does", async () => {
      const store = await makeStore();
      const wf = approval();
      const handler = wf.run(undefined, { store, runId: "late-1" });
      await eventually(async () => (await store.load("late-1"))?.snapshot.status === "waiting");
      handler.sendEvent(HumanResponseEvent({ response: "yes" }));
      await expect(handler).resolves.toBe("yes after 1 ask(s)");
      const late = HumanResponseEvent({ response: "no, wait" });
      expect(() => handler.sendEvent(late)).toThrow(WorkflowStateError);
      await expect(wf.sendEvent("late-1", late, { store })).rejects.toThrow(/has ended \(completed\)/);
    });

    // Stores that keep text (SQLite, PostgreSQL) pass `corrupt`; MemoryStore keeps objects, so it has
    // no bytes to corrupt and reports this test as skipped.
    it.skipIf(!corrupt)(
      "reports a corrupt record as a SnapshotError naming the run, which a recovery loop can skip",
      async () => {
        const store = await makeStore();
        const gate = deferred();
        const wf = workflow({ name: "jobs" }).step("work", { accepts: StartEvent, emits: [StopEvent] }, async () => {
          await gate.promise;
          return StopEvent({ result: "done" });
        });
        // Two runs whose runners went away mid-step.
        for (const runId of ["job-1", "job-2"]) {
          const handler = wf.run(undefined, { store, runId });
          await eventually(async () => (await store.load(runId))?.snapshot.machine.context.inflight.length === 1);
          await handler.detach();
          await handler.catch(() => undefined);
        }
        await corrupt?.(store, "job-1");
        gate.resolve();
        await expect(store.load("job-1")).rejects.toThrow(SnapshotError);
        await expect(store.load("job-1")).rejects.toThrow(/run "job-1".*not valid JSON/);

        const results: Record<string, unknown> = {};
        const skipped: string[] = [];
        for (const { runId } of await store.list({ status: "interrupted" })) {
          try {
            results[runId] = await wf.resume(runId, { store });
          } catch (error) {
            if (!(error instanceof SnapshotError)) throw error;
            skipped.push(runId);
          }
        }
        expect(skipped).toEqual(["job-1"]);
        expect(results).toEqual({ "job-2": "done" });
        // Skipping it took nothing: the next loop sees it again.
        expect((await store.list({ status: "interrupted" })).map((r) => r.runId)).toEqual(["job-1"]);
      },
    );
  });
}
