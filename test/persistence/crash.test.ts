import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { HumanResponseEvent } from "../../src/index.js";
import { drillWorkflow } from "./fixtures/drill-workflow.js";
import { backends, kill, startRunner } from "./processes.js";

const runner = fileURLToPath(new URL("./fixtures/drill-runner.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "stepchart-drill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runToExit(args: string[]): Promise<number | null> {
  const child = spawn(process.execPath, ["--import", "tsx", runner, ...args], { stdio: "ignore" });
  return new Promise((resolve) => child.on("exit", resolve));
}

const lines = (log: string) => readFileSync(log, "utf8").trim().split("\n");
const times = (log: string, line: string) => lines(log).filter((l) => l === line).length;

describe.each(backends(dir))("crash drills (real processes, $name)", (backend) => {
  const { name, skip } = backend;
  it.skipIf(skip)(
    "resumes a run whose process was SIGKILLed mid-step: nothing lost, nothing doubled",
    async () => {
      const db = backend.target("kill");
      const log = join(dir, `${name}-kill.log`);
      await kill(await startRunner(runner, ["start", db, log, "price 2"], "ready"));

      // The dead runner's lease is free at once: its process is gone from this host.
      const store = backend.open(db, 300);
      expect(await store.list({ status: "interrupted" })).toMatchObject([{ runId: "order-1" }]);

      const wf = drillWorkflow(log, undefined);
      const handler = wf.resume("order-1", { store });
      void (async () => {
        for await (const ev of handler.streamEvents())
          if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
      })();
      await expect(handler).resolves.toEqual({ total: 60, priced: 3, answer: "yes" });

      expect(times(log, "split")).toBe(1); // finished before the crash: not re-run
      for (const n of [1, 2, 3]) expect(times(log, `llm ${n}`)).toBe(1); // journaled: never recomputed
      expect(times(log, "price 1")).toBe(1);
      expect(times(log, "price 2")).toBe(2); // in flight at the crash: re-run (at-least-once)
      expect(times(log, "price 3")).toBe(1); // queued at the crash: run once, after the restart
      expect(times(log, "total")).toBe(1);
      expect(times(log, "finish yes")).toBe(1);
      expect((await store.load("order-1"))?.snapshot.status).toBe("completed");
      await store.close();
    },
    30_000,
  );

  it.skipIf(skip)(
    "applies a human reply written by a third process while no runner was alive",
    async () => {
      const db = backend.target("reply");
      const log = join(dir, `${name}-reply.log`);
      await kill(await startRunner(runner, ["start", db, log, "ask"], "ready"));
      expect(await runToExit(["reply", db, log, "order-1", "approved"])).toBe(0);

      const store = backend.open(db, 300);
      expect(await store.list({ status: "waiting" })).toMatchObject([{ runId: "order-1" }]);
      await expect(drillWorkflow(log, undefined).resume("order-1", { store })).resolves.toEqual({
        total: 60,
        priced: 3,
        answer: "approved",
      });
      expect(times(log, "ask")).toBe(1);
      expect(times(log, "finish approved")).toBe(1);
      await store.close();
    },
    30_000,
  );
});
