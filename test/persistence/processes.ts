/**
 * Real processes for the drills: a runner script started with tsx, its stdout read line by line,
 * killed with SIGKILL; and the two databases they share with the test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { type WorkflowStore, workflow } from "../../src/index.js";
import { PostgresStore } from "../../src/persistence/postgres-store.js";
import { SqliteStore } from "../../src/persistence/sqlite-store.js";
import { sleep } from "../helpers.js";
import { freshSchema, pgSkipReason, pgUrl } from "./pg.js";

/** A started runner: its process, and everything it printed so far. */
export interface Runner {
  readonly child: ChildProcess;
  /** Resolves with the whole of stdout once the process exited. */
  readonly exited: Promise<string>;
}

/** Starts `script` with tsx; resolves once it printed `ready` (it is then where the test wants it). */
export function startRunner(script: string, args: string[], ready: string): Promise<Runner> {
  // The runner compiles its workflows to the shape this test's project compiles them to.
  const env = { ...process.env, STEPCHART_TEST_SHAPE: workflow({}).definition.shape };
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let out = "";
  let errors = "";
  child.stderr?.on("data", (chunk) => {
    errors += String(chunk);
  });
  const exited = new Promise<string>((resolve) => child.on("exit", () => resolve(out)));
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += String(chunk);
      if (out.includes(ready)) resolve({ child, exited });
    });
    child.on("exit", (code) => reject(new Error(`runner exited (${code}) before "${ready}": ${errors}`)));
  });
}

/** Kills a runner as a crash would (SIGKILL: no handler runs, no lease is let go). */
export async function kill(runner: Runner): Promise<void> {
  runner.child.kill("SIGKILL");
  await runner.exited;
}

/** Waits until the run's lease has run out, so another process may take the run. */
export async function leaseExpired(store: WorkflowStore, runId: string): Promise<void> {
  for (;;) {
    const lease = (await store.load(runId))?.lease;
    if (!lease || lease.expiresAt < Date.now()) return;
    await sleep(20);
  }
}

/** A database the runner processes and the test share. */
export interface Backend {
  readonly name: string;
  readonly skip: boolean;
  /** The runners' `<db>` argument for a new database. */
  target(name: string): string;
  open(target: string, leaseMs: number): WorkflowStore & { close(): void | Promise<void> };
}

export function backends(dir: string): Backend[] {
  return [
    {
      name: "SQLite",
      skip: false,
      target: (name) => join(dir, `${name}.db`),
      open: (target, leaseMs) => new SqliteStore({ path: target, leaseMs }),
    },
    {
      name: `PostgreSQL${pgSkipReason}`,
      skip: !pgUrl,
      target: () => `pg:${freshSchema()}`,
      open: (target, leaseMs) => new PostgresStore({ connectionString: pgUrl, schema: target.slice(3), leaseMs }),
    },
  ];
}
