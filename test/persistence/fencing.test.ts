/**
 * Fencing and dead leases, with real processes: a runner whose event loop stalls past its lease
 * while the test process takes the run over and finishes it, and a runner killed with SIGKILL.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { stallWorkflow } from "./fixtures/stall-workflow.js";
import { backends, kill, leaseExpired, startRunner } from "./processes.js";

const runner = fileURLToPath(new URL("./fixtures/stall-runner.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "stepchart-fencing-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const effects = (log: string) => readFileSync(log, "utf8").trim().split("\n");

describe.each(backends(dir))("fencing with real processes ($name)", (backend) => {
  it.skipIf(backend.skip)(
    "a runner that stalls past its lease while another finishes the run repeats no effect and overwrites nothing",
    async () => {
      const db = backend.target("stall");
      const log = join(dir, `${backend.name}-stall.log`);
      const wake = join(dir, `${backend.name}-wake`);
      const stalled = await startRunner(runner, [db, log, wake, "300"], "stalled");

      // The stalled runner cannot renew: once its lease runs out, this process takes the run.
      const store = backend.open(db, 300);
      await leaseExpired(store, "pay-1");
      const wf = stallWorkflow(log, undefined);
      await expect(wf.resume("pay-1", { store })).resolves.toBe(`r1+c1 by ${process.pid}`);
      const finished = await store.load("pay-1");
      expect(finished?.snapshot.status).toBe("completed");

      // The stalled runner wakes up, right before its second effect.
      writeFileSync(wake, "");
      expect(await stalled.exited).toContain("outcome: WorkflowStateError WORKFLOW_STATE");
      expect(effects(log)).toEqual([`reserve by ${stalled.child.pid}`, `charge by ${process.pid}`]);
      expect(await store.load("pay-1")).toEqual(finished);
      await store.close();
    },
    30_000,
  );

  it.skipIf(backend.skip)(
    "frees at once the lease of a runner killed on this host: resume and list need no wait",
    async () => {
      const db = backend.target("killed");
      const log = join(dir, `${backend.name}-killed.log`);
      // A long lease: waiting for it would time the test out.
      const dead = await startRunner(runner, [db, log, join(dir, "never"), "60000"], "stalled");
      await kill(dead);

      const store = backend.open(db, 60_000);
      expect((await store.load("pay-1"))?.lease?.expiresAt).toBeGreaterThan(Date.now() + 30_000);
      expect(await store.list({ status: "interrupted" })).toMatchObject([{ runId: "pay-1" }]);
      await expect(stallWorkflow(log, undefined).resume("pay-1", { store })).resolves.toBe(`r1+c1 by ${process.pid}`);
      expect(effects(log)).toEqual([`reserve by ${dead.child.pid}`, `charge by ${process.pid}`]);
      await store.close();
    },
    30_000,
  );
});
