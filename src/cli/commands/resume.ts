import { resolve } from "node:path";
import type { Command } from "commander";
import { isWorkflowError } from "../../errors.js";
import type { WorkflowStore } from "../../persistence/store.js";
import { exitCodeFor, type RunOutcome } from "../display/outcome.js";
import { chooseDisplay, showRun } from "../display/show.js";
import { EXIT, exitCodeOf } from "../exit-codes.js";
import type { CliIo } from "../io.js";
import { type AnyWorkflow, loadWorkflows, resourcesOf } from "../load.js";
import { type OpenedStore, openStore } from "../store-arg.js";
import { UsageError } from "../usage-error.js";
import { describeRun } from "./run-report.js";

interface ResumeFlags {
  readonly store: string;
  readonly file: string;
  readonly interrupted?: boolean;
  readonly workflow?: string;
  readonly takeover?: boolean;
  readonly json?: boolean;
}

/**
 * `stepchart runs resume <id> --store <store> --file <file>` and
 * `stepchart runs resume --interrupted --store <store> --file <file> [--workflow name]`: continues
 * stored runs here, with the display of `stepchart run`. A stored run names its workflow; `--file`
 * is the file that exports it (the store keeps no code).
 */
export function addResumeCommand(runs: Command, io: CliIo, exit: (code: number) => void): void {
  let noInput = false;
  runs
    .command("resume [id]")
    .description("continue a stored run here, with the same live display as run")
    .requiredOption("-s, --store <store>", "the store the run is in: sqlite:<path> or a postgres:// URL")
    .requiredOption("-f, --file <file>", "the file that exports the run's workflow")
    .option("--interrupted", "resume every run a crash left behind (running, with no live runner)")
    .option("-w, --workflow <name>", "with --interrupted: only this workflow's runs")
    .option("--takeover", "take the run even from a runner whose lease is still live")
    .option("--no-input", "never ask at the terminal: a prompt leaves the run waiting in its store")
    .option("--json", "print the run's events as NDJSON, then a result line")
    .on("option:no-input", () => {
      noInput = true;
    })
    .action(async (id: string | undefined, flags: ResumeFlags) => {
      if ((id === undefined) === (flags.interrupted !== true)) {
        throw new UsageError("runs resume takes a run id or --interrupted (not both)");
      }
      const loaded = await loadWorkflows(resolve(io.cwd, flags.file));
      const found = [...loaded.values()];
      const resources = await resourcesOf(loaded);
      // A run id names a run the store must have; --interrupted on a store not created yet finds none.
      const opened = await openStore(flags.store, { existing: id !== undefined });
      try {
        const resumeOne = (runId: string, wf: AnyWorkflow) =>
          resumeRun(io, opened, wf, runId, { ...flags, noInput, resources });
        if (id !== undefined) return exit(await resumeById(io, opened, found, id, resumeOne, flags));
        exit(await resumeInterrupted(io, opened, found, resumeOne, flags));
      } finally {
        await opened.close();
      }
    });
}

type ResumeOne = (runId: string, wf: AnyWorkflow) => Promise<RunOutcome>;

async function resumeById(
  io: CliIo,
  opened: OpenedStore,
  found: readonly AnyWorkflow[],
  runId: string,
  resumeOne: ResumeOne,
  flags: ResumeFlags,
): Promise<number> {
  const record = await opened.store.load(runId);
  if (!record) throw new UsageError(`There is no run "${runId}" in ${describeStore(opened.store, opened.label)}`);
  const { workflow: name, status } = record.snapshot;
  const wf = found.find((w) => w.definition.name === name);
  if (!wf) {
    const exported = found.map((w) => w.definition.name).join(", ");
    throw new UsageError(
      `Run "${runId}" is a run of workflow "${name}", which ${flags.file} does not export (it exports: ${exported})`,
    );
  }
  if (status !== "running" && status !== "waiting") {
    chooseDisplay(io, { json: flags.json === true, noInput: true }).display.note(
      `Run "${runId}" has already ended (${status}); there is nothing to resume.`,
    );
    // A script reads how the run ended on stdout, as for a run that ends here.
    if (flags.json)
      io.stdout.write(
        `${JSON.stringify({ type: "result", workflow: name, runId, ...(describeRun(record).outcome ?? { status }) })}\n`,
      );
    return exitCodeOf(status);
  }
  return exitCodeFor(await resumeOne(runId, wf));
}

async function resumeInterrupted(
  io: CliIo,
  opened: OpenedStore,
  found: readonly AnyWorkflow[],
  resumeOne: ResumeOne,
  flags: ResumeFlags,
): Promise<number> {
  const note = chooseDisplay(io, { json: flags.json === true, noInput: true }).display;
  const wanted = found.filter((w) => flags.workflow === undefined || w.definition.name === flags.workflow);
  if (wanted.length === 0) throw new UsageError(`${flags.file} exports no workflow "${flags.workflow}"`);
  const runs = await opened.store.list({ status: "interrupted" });
  const codes: number[] = [];
  for (const run of runs) {
    const wf = wanted.find((w) => w.definition.name === run.workflow);
    if (!wf) {
      if (flags.workflow === undefined)
        note.note(`Skipping run ${run.runId}: its workflow "${run.workflow}" is not in ${flags.file}`);
      continue;
    }
    const outcome = await resumeOne(run.runId, wf);
    codes.push(exitCodeFor(outcome));
    // Ctrl-C stops the whole recovery, not only the run it was watching.
    if (outcome.status === "waiting" && outcome.why === "detached") break;
  }
  if (codes.length === 0) note.note(`No interrupted runs in ${opened.label}`);
  return worst(codes);
}

/** The exit code of several runs: the worst of them (a failure over a timeout over a cancel over waiting). */
function worst(codes: readonly number[]): number {
  const order: number[] = [EXIT.failed, EXIT.timedOut, EXIT.cancelled, EXIT.waiting];
  return order.find((code) => codes.includes(code)) ?? EXIT.completed;
}

async function resumeRun(
  io: CliIo,
  opened: OpenedStore,
  wf: AnyWorkflow,
  runId: string,
  flags: ResumeFlags & { noInput: boolean; resources: Readonly<Record<string, unknown>> | undefined },
): Promise<RunOutcome> {
  const { resources } = flags;
  const handler = wf.resume(runId, {
    store: opened.store,
    ...(flags.takeover && { takeover: true }),
    ...(resources && { resources }),
  });
  if (!(await handler.loaded)) {
    try {
      await handler;
    } catch (error) {
      // Another runner holds it, or it ended meanwhile: nothing here is broken.
      if (isWorkflowError(error) && error.code === "WORKFLOW_STATE") throw new UsageError(error.message);
      throw error;
    }
  }
  return showRun(io, wf, handler, {
    json: flags.json === true,
    noInput: flags.noInput,
    stored: { runId, store: opened.label, file: flags.file },
    resumed: true,
  });
}

const describeStore = (store: WorkflowStore, label: string) => store.description ?? label;
