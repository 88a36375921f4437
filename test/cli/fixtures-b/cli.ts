/** Runs the `stepchart` command as a child process, as a user would: for the CLI's tests. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../../../", import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./${name}`, import.meta.url));

/** The test's environment without model settings (no test reaches a real API), as on CI. */
function env(): NodeJS.ProcessEnv {
  const copy: NodeJS.ProcessEnv = { ...process.env, CI: "1" };
  for (const key of Object.keys(copy)) if (key.startsWith("OPENAI_") || key.startsWith("STEPCHART_")) delete copy[key];
  return copy;
}

/** Starts `stepchart <args>` from the repository's sources. */
export function startCli(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: root,
    env: { ...env(), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** What a child wrote, and its exit code, once it exits. */
export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `stepchart <args>` to its end. */
export const stepchart = (args: readonly string[], extraEnv?: NodeJS.ProcessEnv) => finished(startCli(args, extraEnv));
