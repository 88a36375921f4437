import type { AnyEvent } from "../../events/types.js";
import type { CliIo } from "../io.js";
import { type RunDisplay, type RunInfo, TERMINAL_TYPES } from "./display.js";
import { fieldsOf, formatDuration, oneLine, printable } from "./format.js";
import { type RunOutcome, waitingAdvice } from "./outcome.js";
import { type StepEnded, type StepRunning, StepTracker } from "./steps.js";

/**
 * Without a terminal (CI, a pipe): one plain line per event, no colour, no cursor movement, so a
 * log reads the same as it was written. Streamed tokens are written as they come, on one line.
 */
export class PlainLog implements RunDisplay {
  readonly #io: CliIo;
  readonly #steps = new StepTracker();
  #routed: ReadonlySet<string> = new Set();
  /** A line of tokens is open (no newline yet). */
  #inTokens = false;
  /** The error message of the last failed step line: the outcome does not print it twice. */
  #failedWith: string | undefined;

  constructor(io: CliIo) {
    this.#io = io;
  }

  /** Every line goes through `printable`: ids, prompts and errors are run data. */
  #line(text: string): void {
    this.#closeTokens();
    this.#io.stdout.write(`${printable(text)}\n`);
  }

  #closeTokens(): void {
    if (!this.#inTokens) return;
    this.#inTokens = false;
    this.#io.stdout.write("\n");
  }

  begin(run: RunInfo): void {
    this.#routed = run.routed;
    if (run.resumed) this.#steps.resumedNow();
    this.#line(`${run.workflow}: run ${run.runId} ${run.resumed ? "resumed" : "started"}`);
  }

  item(event: AnyEvent): void {
    const change = this.#steps.see(event);
    if (change.kind === "other" && event.type === "TokenEvent" && typeof event.delta === "string") {
      if (!this.#inTokens) this.#io.stdout.write("tokens: ");
      this.#inTokens = true;
      this.#io.stdout.write(printable(event.delta).replace(/\n/g, " "));
      return;
    }
    if (change.kind === "ended" && change.attempt.status === "failed") this.#failedWith = change.attempt.error?.message;
    const line =
      change.kind === "started"
        ? describeStart(change.attempt)
        : change.kind === "ended"
          ? describeEnd(change.attempt)
          : this.#describeItem(event);
    if (line !== undefined) this.#line(line);
  }

  #describeItem(event: AnyEvent): string | undefined {
    if (TERMINAL_TYPES.has(event.type)) return undefined;
    if (event.type === "InputRequiredEvent") {
      const { prefix, ...rest } = fieldsOf(event);
      const details = Object.keys(rest).length > 0 ? ` ${oneLine(rest.payload ?? rest)}` : "";
      return `input required: ${String(prefix ?? "").trim()}${details}`;
    }
    const kind = this.#routed.has(event.type) ? "event" : "stream";
    return `${kind} ${event.type} ${oneLine(fieldsOf(event))}`;
  }

  pause(): void {
    this.#closeTokens();
  }

  resume(): void {}

  note(text: string): void {
    this.#line(text);
  }

  end(outcome: RunOutcome, elapsedMs: number): void {
    for (const line of describeOutcome(outcome, elapsedMs, this.#failedWith)) this.#line(line);
  }

  close(): void {
    this.#closeTokens();
  }
}

function describeEnd(ended: StepEnded): string {
  const since = ended.sinceResume ? " since resume" : "";
  const took = ended.durationMs === undefined ? "" : ` in ${formatDuration(ended.durationMs)}${since}`;
  const error = ended.error ? `${ended.error.message}` : "unknown error";
  switch (ended.status) {
    case "completed": {
      const retried = ended.attempt > 1 ? ` after ${ended.attempt} attempts` : "";
      return `step ${ended.step} completed${took}${retried}${ended.output ? ` -> ${ended.output}` : ""}`;
    }
    case "retrying":
      return `step ${ended.step} attempt ${ended.attempt} failed${took}: ${error}; retrying`;
    case "failed":
      return `step ${ended.step} failed${took} (attempt ${ended.attempt}): ${error}`;
  }
}

function describeStart({ step, on, attempt }: StepRunning): string {
  return `step ${step} started on ${on}${attempt > 1 ? ` (attempt ${attempt})` : ""}`;
}

/** `failedWith`: the message a failed step's line already showed, which the outcome does not repeat. */
function describeOutcome(outcome: RunOutcome, elapsedMs: number, failedWith?: string): string[] {
  const took = formatDuration(elapsedMs);
  switch (outcome.status) {
    case "completed":
      return [`completed in ${took}`, `result: ${oneLine(outcome.result, Number.POSITIVE_INFINITY)}`];
    case "failed": {
      const where = outcome.step ? ` in step ${outcome.step} after ${outcome.attempts} attempt(s)` : "";
      const shown = outcome.step !== null && failedWith === outcome.error.message;
      const error = shown ? "" : `: ${outcome.error.name}: ${outcome.error.message}`;
      return [`failed${where} (${took})${error}`, ...(outcome.frames ?? []).map((frame) => `  ${frame}`)];
    }
    case "timedOut": {
      const active = outcome.activeSteps.length > 0 ? `; still running: ${outcome.activeSteps.join(", ")}` : "";
      return [`timed out after ${formatDuration(outcome.timeout)}${active}`];
    }
    case "cancelled":
      return [`cancelled after ${took}`];
    case "waiting":
      return waitingAdvice(outcome);
  }
}
