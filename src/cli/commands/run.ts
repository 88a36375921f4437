import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Command } from "commander";
import { isWorkflowError } from "../../errors.js";
import type { WorkflowHandler } from "../../runtime/handler.js";
import { exitCodeFor } from "../display/outcome.js";
import { showRun } from "../display/show.js";
import type { CliIo } from "../io.js";
import { loadWorkflows, pickWorkflow, resourcesOf } from "../load.js";
import { openStore } from "../store-arg.js";
import { UsageError } from "../usage-error.js";

interface RunFlags {
  readonly workflow?: string;
  readonly store?: string;
  readonly runId?: string;
  readonly json?: boolean;
}

/**
 * `stepchart run <file> [--workflow name] [--input JSON | --input @file.json]
 * [--store sqlite:path | postgres://…] [--run-id id] [--no-input] [--json]`: see docs/cli.md.
 */
export function registerRun(program: Command, io: CliIo, exit: (code: number) => void): void {
  // `--input <json>` and `--no-input` share commander's attribute name, so each is read from its
  // own option event instead.
  let inputArg: string | undefined;
  let noInput = false;
  program
    .command("run <file>")
    .description("run a workflow a file exports, with live progress")
    .option("-w, --workflow <name>", "the workflow to run (an export name or a workflow name)")
    .option("-i, --input <json>", "the run's input: JSON, or @file.json")
    .option("--no-input", "never ask at the terminal: a prompt leaves the run waiting in its store")
    .option("-s, --store <store>", "keep the run in a store: sqlite:<path> or a postgres:// URL")
    .option("--run-id <id>", "the run's id (default: a random UUID)")
    .option("--json", "print the run's events as NDJSON, then a result line")
    .on("option:input", (value: string) => {
      inputArg = value;
    })
    .on("option:no-input", () => {
      noInput = true;
    })
    .action(async (file: string, flags: RunFlags) => {
      const found = await loadWorkflows(resolve(io.cwd, file));
      const wf = pickWorkflow(found, flags.workflow);
      const input = await readInput(io, inputArg);
      const resources = await resourcesOf(found);
      const opened = flags.store === undefined ? undefined : await openStore(flags.store);
      try {
        const handler = start(() =>
          wf.run(input, {
            ...(opened && { store: opened.store }),
            ...(flags.runId && { runId: flags.runId }),
            ...(resources && { resources }),
          }),
        );
        await whenOpened(handler);
        const stored = opened && { runId: handler.runId, store: opened.label, file };
        const outcome = await showRun(io, wf, handler, {
          json: flags.json === true,
          noInput,
          stored,
          resumed: false,
        });
        exit(exitCodeFor(outcome));
      } finally {
        await opened?.close();
      }
    });
}

/** `--input`: JSON, or `@path` to a JSON file; `{}` without it. */
export async function readInput(io: CliIo, arg: string | undefined): Promise<unknown> {
  if (arg === undefined) return {};
  let text = arg;
  let from = "--input";
  if (arg.startsWith("@")) {
    from = arg.slice(1);
    try {
      text = await readFile(resolve(io.cwd, from), "utf8");
    } catch (error) {
      throw new UsageError(`--input ${arg}: cannot read ${from} (${(error as NodeJS.ErrnoException).code ?? error})`);
    }
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, "")); // an editor's byte-order mark is not JSON's
  } catch (error) {
    throw new UsageError(`${from} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Starts a run; input the workflow refuses is the user's to fix (exit 64), with its own message. */
function start(run: () => WorkflowHandler): WorkflowHandler {
  try {
    return run();
  } catch (error) {
    if (isWorkflowError(error) && error.code === "EVENT_VALIDATION") throw new UsageError(error.message);
    throw error;
  }
}

/** Waits for a stored run's first record: a run id that is taken is the user's to change. */
async function whenOpened(handler: WorkflowHandler): Promise<void> {
  if (await handler.loaded) return;
  try {
    await handler;
  } catch (error) {
    if (isWorkflowError(error) && error.code === "WORKFLOW_STATE") throw new UsageError(error.message);
    throw error;
  }
}
