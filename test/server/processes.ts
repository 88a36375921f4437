import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createClient, createConfig } from "@llamaindex/workflows-client";
import { workflow } from "../../src/index.js";

export type Client = ReturnType<typeof createClient>;

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly client: Client;
  readonly baseUrl: string;
  /** The run ids its `resumeInterrupted` took at start. */
  readonly resumed: string[];
  readonly exited: Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

/**
 * A server process (fixtures/server-runner.ts) on `db` (a SQLite path or `pg:<schema>`); resolves
 * once it listens. `env` adds to the test's environment.
 */
export function startServerProcess(db: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  // The runner compiles its workflows to the shape this test's project compiles them to.
  const childEnv = { ...process.env, ...env, STEPCHART_TEST_SHAPE: workflow({}).definition.shape };
  const script = join(import.meta.dirname, "fixtures", "server-runner.ts");
  const child = spawn(process.execPath, ["--import", "tsx", script, db], {
    stdio: ["ignore", "pipe", "pipe"],
    env: childEnv,
  });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  let out = "";
  let errors = "";
  child.stderr?.on("data", (chunk) => {
    errors += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      out += String(chunk);
      const port = /port (\d+)\n/.exec(out)?.[1];
      if (!port) return;
      const baseUrl = `http://127.0.0.1:${port}`;
      const resumed = (/resumed (.*)\n/.exec(out)?.[1] ?? "").split(",").filter(Boolean);
      const kill = async () => {
        child.kill("SIGKILL");
        await exited;
      };
      resolve({ child, exited, baseUrl, resumed, kill, client: createClient(createConfig({ baseUrl })) });
    });
    child.on("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${errors}`)));
  });
}
