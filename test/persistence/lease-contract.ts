/**
 * The lease part of the store contract: fencing by epoch, final records of finished runs, leases
 * of dead processes, and taking a run over from a live runner.
 */
import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { WorkflowStateError, type WorkflowStore } from "../../src/index.js";
import { newRunnerId } from "../../src/persistence/lease.js";
import { sleep } from "../helpers.js";
import { asRunning, finishedSnapshot, someSnapshot } from "./contract-fixtures.js";

/** The runner id a process of this host that has exited had. */
function deadRunnerId(): string {
  const { pid } = spawnSync(process.execPath, ["-e", ""]);
  return newRunnerId().replace(`:${process.pid}:`, `:${pid}:`);
}

export function describeLeaseContract(makeStore: (leaseMs?: number) => Promise<WorkflowStore>): void {
  it("fences saves by epoch: a superseded runner cannot save or renew, even once the new one let go", async () => {
    const store = await makeStore(60);
    const snapshot = await someSnapshot("f1");
    await store.save(snapshot, { owner: "a", epoch: 1, create: true });
    expect((await store.load("f1"))?.lease).toMatchObject({ owner: "a", epoch: 1 });
    await sleep(80); // a stalls past its lease, and b takes the run
    expect((await store.claim("f1", "b"))?.lease).toMatchObject({ owner: "b", epoch: 2 });
    await expect(store.save(snapshot, { owner: "a", epoch: 1 })).rejects.toBeInstanceOf(WorkflowStateError);
    expect(await store.renew("f1", "a", 1)).toBe(false);
    await store.save(snapshot, { owner: "b", epoch: 2, release: true });
    await expect(store.save(snapshot, { owner: "a", epoch: 1 })).rejects.toThrow(/taken over by another runner/);
    // A runner with a stable name is told apart by its epoch alone.
    expect((await store.claim("f1", "a"))?.lease?.epoch).toBe(3);
    await expect(store.save(snapshot, { owner: "a", epoch: 1 })).rejects.toBeInstanceOf(WorkflowStateError);
    expect(await store.renew("f1", "a", 2)).toBe(false);
    expect(await store.renew("f1", "a", 3)).toBe(true);
    await store.save(snapshot, { owner: "a", epoch: 3 });
    await store.delete("f1");
    await expect(store.save(snapshot, { owner: "a", epoch: 3 })).rejects.toThrow(/no longer in the store/);
  });

  it("keeps a finished run's record final: only its own runner's last save, and no claim", async () => {
    const store = await makeStore();
    const waiting = await someSnapshot("e1");
    const done = await finishedSnapshot("e1");
    await store.save(waiting, { owner: "a", epoch: 1, create: true });
    await store.save(done, { owner: "a", epoch: 1 });
    await store.save(done, { owner: "a", epoch: 1, release: true }); // the runner's last save
    await expect(store.save(waiting, { owner: "a", epoch: 1 })).rejects.toThrow(/has already ended \(completed\)/);
    await expect(store.save(done, { owner: "a", epoch: 1 })).rejects.toThrow(/has already ended/);
    await expect(store.save(waiting, { owner: "b" })).rejects.toThrow(/has already ended/);
    const claimed = await store.claim("e1", "b");
    expect(claimed?.snapshot.status).toBe("completed");
    expect(claimed?.lease).toBeNull();
    expect((await store.load("e1"))?.snapshot).toEqual(done);
  });

  it("frees at once the lease of a process of this host that is gone, not one that is alive", async () => {
    const store = await makeStore(); // leases of 15 s: nothing here waits for one
    const snapshot = await someSnapshot("g1");
    await store.save(asRunning(snapshot, "g1"), { owner: deadRunnerId(), epoch: 1, create: true });
    expect((await store.list({ status: "interrupted" })).map((r) => r.runId)).toEqual(["g1"]);
    expect((await store.claim("g1", "b"))?.lease).toMatchObject({ owner: "b", epoch: 2 });

    const alive = newRunnerId(); // this very process, another runner in it
    await store.save(asRunning(snapshot, "g2"), { owner: alive, epoch: 1, create: true });
    expect(await store.list({ status: "interrupted" })).toEqual([]);
    await expect(store.claim("g2", "b")).rejects.toThrow(`process ${process.pid} on this host`);
  });

  it("says when another host's live lease ends and how to take over; a takeover fences that runner", async () => {
    const store = await makeStore();
    const far = "far-host:4242:cafebabe";
    const snapshot = asRunning(await someSnapshot("h1"), "h1");
    await store.save(snapshot, { owner: far, epoch: 1, create: true });
    const refused = await store.claim("h1", "b").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkflowStateError);
    expect((refused as Error).message).toMatch(
      /held by another live runner: runner "far-host:4242:cafebabe", until \d{4}-\d\d-\d\dT[\d:.]+Z \(\d+ s from now\)/,
    );
    expect((refused as Error).message).toContain('wf.resume("h1", { store, takeover: true })');
    expect((await store.claim("h1", "b", { takeover: true }))?.lease).toMatchObject({ owner: "b", epoch: 2 });
    await expect(store.save(snapshot, { owner: far, epoch: 1 })).rejects.toBeInstanceOf(WorkflowStateError);
    expect(await store.renew("h1", far, 1)).toBe(false);
  });
}
