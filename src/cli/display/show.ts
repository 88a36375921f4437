import type { WorkflowHandler } from "../../runtime/handler.js";
import { type CliIo, isInteractive } from "../io.js";
import type { AnyWorkflow } from "../load.js";
import { askAtTerminal } from "../prompt.js";
import { type RunDisplay, routedTypes } from "./display.js";
import { LiveDisplay } from "./live.js";
import { NdjsonWriter } from "./ndjson.js";
import type { RunOutcome, StoredRunRef } from "./outcome.js";
import { PlainLog } from "./plain.js";
import { type AskPrompt, type SignalSource, watchRun } from "./watch.js";

/** How a command shows a run: its `--json` and `--no-input` flags. */
export interface ShowOptions {
  readonly json: boolean;
  /** `--no-input`: never ask; a prompt leaves the run waiting in its store. */
  readonly noInput: boolean;
  readonly stored: StoredRunRef | undefined;
  readonly resumed: boolean;
  readonly signals?: SignalSource;
}

/**
 * The display for the command's output: NDJSON with `--json`, the live one on a terminal (and
 * not in CI), else plain lines. Prompts are asked only on such a terminal, never with `--json`
 * (it would write into the NDJSON) or `--no-input`.
 */
export function chooseDisplay(
  io: CliIo,
  options: Pick<ShowOptions, "json" | "noInput">,
): { display: RunDisplay; ask: AskPrompt | undefined } {
  const interactive = isInteractive(io);
  const display: RunDisplay = options.json
    ? new NdjsonWriter(io)
    : interactive
      ? new LiveDisplay(io)
      : new PlainLog(io);
  const asks = interactive && !options.json && !options.noInput;
  return {
    display,
    ask: asks ? (prompt, signal) => askAtTerminal(io, prompt, signal) : undefined,
  };
}

/** Shows `handler`'s run of `wf` until it ends here (see watchRun). */
export function showRun(
  io: CliIo,
  wf: AnyWorkflow,
  handler: WorkflowHandler,
  options: ShowOptions,
): Promise<RunOutcome> {
  const { display, ask } = chooseDisplay(io, options);
  return watchRun(handler, {
    display,
    ask,
    stored: options.stored,
    signals: options.signals ?? process,
    run: {
      workflow: wf.definition.name,
      runId: handler.runId,
      resumed: options.resumed,
      routed: routedTypes(wf.definition),
    },
  });
}
