import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { type Command, Option } from "commander";
import { isWorkflowError } from "../../errors.js";
import type { AnyEvent } from "../../events/types.js";
import { ownerIsGone } from "../../persistence/lease.js";
import { type ListFilter, noSuchRun, type StoredRun } from "../../persistence/store.js";
import { printable } from "../display/format.js";
import { resumeCommand } from "../display/outcome.js";
import type { CliIo } from "../io.js";
import { type AnyWorkflow, loadWorkflows, pickWorkflow } from "../load.js";
import { type OpenedStore, openStore } from "../store-arg.js";
import { formatTable } from "../table.js";
import { UsageError } from "../usage-error.js";
import { addResumeCommand } from "./resume.js";
import { colours, describeRun, formatReport } from "./run-report.js";

const STATUSES = ["running", "waiting", "interrupted", "completed", "failed", "timedOut", "cancelled"];
const STORE_HELP = "where the runs are: sqlite:<path> or a postgres:// URL";

/** `stepchart runs list | show | send | resume`: see docs/cli.md. */
export function registerRuns(program: Command, io: CliIo, exit: (code: number) => void): void {
  const runs = program.command("runs").description("operate the runs kept in a store");
  addListCommand(runs, io);
  addShowCommand(runs, io);
  addSendCommand(runs, io);
  addResumeCommand(runs, io, exit);
}

function addListCommand(runs: Command, io: CliIo): void {
  runs
    .command("list")
    .description("the store's runs, most recently saved first")
    .requiredOption("-s, --store <store>", STORE_HELP)
    .addOption(new Option("--status <status>", "only runs in this status").choices(STATUSES))
    .option("-w, --workflow <name>", "only runs of this workflow (its definition's name)")
    .option("--json", "print the runs as JSON, for scripts")
    .action(async (options: { store: string; status?: string; workflow?: string; json?: boolean }) => {
      const filter = {
        ...(options.status ? { status: options.status as NonNullable<ListFilter["status"]> } : {}),
        ...(options.workflow ? { workflow: options.workflow } : {}),
      };
      const list = await withStore(options.store, (opened) => opened.store.list(filter));
      if (options.json) return void io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      if (list.length === 0) return void io.stdout.write("No runs.\n");
      const c = colours(io);
      const rows = list.map((run) => [
        printable(run.runId),
        printable(run.workflow),
        c.status(run.status),
        run.savedAt,
      ]);
      io.stdout.write(`${formatTable(["RUN ID", "WORKFLOW", "STATUS", "SAVED AT"].map(c.bold), rows)}\n`);
    });
}

function addShowCommand(runs: Command, io: CliIo): void {
  runs
    .command("show <id>")
    .description("one run as its record stands: status, pending prompts, outcome, what it was doing")
    .requiredOption("-s, --store <store>", STORE_HELP)
    .option("--json", "print the run as JSON, for scripts")
    .action(async (id: string, options: { store: string; json?: boolean }) => {
      let label = options.store;
      const report = await withStore(options.store, async (opened) => {
        label = opened.label; // the URL without its password, for the hints printed
        return describeRun(await loadRun(opened, id));
      });
      if (options.json) return void io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      io.stdout.write(formatReport(report, colours(io), label));
    });
}

function addSendCommand(runs: Command, io: CliIo): void {
  runs
    .command("send <id>")
    .description("deliver an event to a stored run (answer its prompt); the run takes it when it goes on")
    .requiredOption("-s, --store <store>", STORE_HELP)
    .requiredOption("-f, --file <path>", "the file exporting the run's workflow (to validate the event)")
    .option("-w, --workflow <name>", "which of the file's workflows (default: the one named like the run's)")
    .addOption(
      new Option("-e, --event <json>", "the event as JSON {type, ...fields}, or @file.json").conflicts("response"),
    )
    .option("-r, --response <text>", 'shorthand for --event \'{"type":"HumanResponseEvent","response":"<text>"}\'')
    .action(async (id: string, options: SendOptions) => {
      const event = eventOf(options, io.cwd);
      const workflows = await loadWorkflows(resolve(io.cwd, options.file));
      await withStore(options.store, async (opened) => {
        const stored = await loadRun(opened, id);
        const wf = workflowFor(workflows, stored, options.workflow);
        try {
          await wf.sendEvent(id, event as never, { store: opened.store });
        } catch (error) {
          // By code: the file's workflow may come with its own copy of stepchart, and its error classes.
          if (isWorkflowError(error) && (error.code === "EVENT_VALIDATION" || error.code === "WORKFLOW_STATE"))
            throw new UsageError(error.message);
          throw error;
        }
        // A live lease, whatever the run's status: a process waiting on the prompt holds it too.
        const held = stored.lease !== null && stored.lease.expiresAt > Date.now() && !ownerIsGone(stored.lease.owner);
        const resume = resumeCommand({ runId: id, store: opened.label, file: options.file });
        io.stdout.write(printable(`Delivered ${event.type} to run ${id}.\n`));
        io.stdout.write(
          held
            ? "A process holds the run: it takes the event at its next lease renewal.\n"
            : `The run takes it when it goes on: ${printable(resume)}\n` +
                "(or a stepchart server on this store, when the event is posted there or the run is streamed)\n",
        );
      });
    });
}

interface SendOptions {
  store: string;
  file: string;
  workflow?: string;
  event?: string;
  response?: string;
}

/** The event `--event` (inline JSON or `@file`) or `--response` gives. */
function eventOf(options: SendOptions, cwd: string): AnyEvent {
  if (options.response !== undefined) return { type: "HumanResponseEvent", response: options.response } as AnyEvent;
  if (options.event === undefined) throw new UsageError("runs send needs --event <json> or --response <text>");
  const text = options.event.startsWith("@") ? readText(resolve(cwd, options.event.slice(1))) : options.event;
  let event: unknown;
  try {
    event = JSON.parse(text.replace(/^\uFEFF/, "")); // an editor's byte-order mark is not JSON's
  } catch (error) {
    throw new UsageError(`--event is not JSON: ${(error as Error).message}`);
  }
  if (typeof event !== "object" || event === null || typeof (event as { type?: unknown }).type !== "string")
    throw new UsageError(
      '--event must be a JSON object with a "type", as in {"type":"HumanResponseEvent","response":"yes"}',
    );
  return event as AnyEvent;
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The workflow the run belongs to: `--workflow`, else the file's workflow with the run's definition name. */
function workflowFor(found: ReadonlyMap<string, AnyWorkflow>, stored: StoredRun, wanted?: string): AnyWorkflow {
  if (wanted !== undefined) return pickWorkflow(found, wanted);
  const name = stored.snapshot.workflow;
  const match = [...found.values()].find((wf) => wf.definition.name === name);
  if (match) return match;
  throw new UsageError(`Run "${stored.snapshot.runId}" is a run of "${name}", which the file does not export`);
}

/** Opens the store of stored runs (one that does not exist is not created), for `use`. */
async function withStore<T>(arg: string, use: (opened: OpenedStore) => Promise<T>): Promise<T> {
  const opened = await openStore(arg, { existing: true });
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}

async function loadRun(opened: OpenedStore, id: string): Promise<StoredRun> {
  const stored = await opened.store.load(id);
  if (!stored) throw new UsageError(noSuchRun(id, opened.label));
  return stored;
}
