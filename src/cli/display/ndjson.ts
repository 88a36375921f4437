import type { AnyEvent } from "../../events/types.js";
import type { CliIo } from "../io.js";
import type { RunDisplay, RunInfo } from "./display.js";
import { printable } from "./format.js";
import { type RunOutcome, resumeCommand, sendCommand } from "./outcome.js";

/**
 * `--json`: every item of the run's `all` stream as one JSON object per line (its `type` and
 * fields, as the runtime gives them), then one `{"type":"result", ...}` line with the outcome,
 * for scripts. Notes go to stderr, so stdout stays NDJSON.
 */
export class NdjsonWriter implements RunDisplay {
  readonly #io: CliIo;
  #run: RunInfo | undefined;

  constructor(io: CliIo) {
    this.#io = io;
  }

  #line(value: unknown): void {
    this.#io.stdout.write(`${JSON.stringify(value)}\n`);
  }

  begin(run: RunInfo): void {
    this.#run = run;
  }

  item(event: AnyEvent): void {
    this.#line(event);
  }

  pause(): void {}
  resume(): void {}

  note(text: string): void {
    this.#io.stderr.write(`${printable(text)}\n`);
  }

  end(outcome: RunOutcome, elapsedMs: number): void {
    const run = { workflow: this.#run?.workflow, runId: this.#run?.runId, durationMs: Math.round(elapsedMs) };
    if (outcome.status !== "waiting") {
      this.#line({ type: "result", ...run, ...outcome });
      return;
    }
    const { stored, prompts, why } = outcome;
    this.#line({
      type: "result",
      ...run,
      status: "waiting",
      why,
      stored: stored !== undefined,
      prompts,
      ...(stored
        ? {
            store: stored.store,
            send: prompts.length > 0 ? sendCommand(stored) : undefined,
            resume: resumeCommand(stored),
          }
        : {}),
    });
  }

  close(): void {}
}
