import { createLogUpdate } from "log-update";
import picocolors from "picocolors";
import type { AnyEvent } from "../../events/types.js";
import type { CliIo } from "../io.js";
import { type RunDisplay, type RunInfo, TERMINAL_TYPES } from "./display.js";
import { fieldsOf, formatDuration, formatResult, oneLine, printable } from "./format.js";
import { type RunOutcome, waitingAdvice } from "./outcome.js";
import { type StepEnded, StepTracker } from "./steps.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 80;
/** How many lines of streamed tokens the live region shows (all of them are kept once done). */
const TOKEN_LINES = 6;

/**
 * On a terminal: finished steps, stream items and prompts scroll up as lines that stay; below
 * them, a live region (log-update) redrawn in place shows each step in flight with a spinner and
 * its elapsed time, and the tokens being streamed, as they arrive.
 */
export class LiveDisplay implements RunDisplay {
  readonly #region: ReturnType<typeof createLogUpdate>;
  readonly #c: ReturnType<typeof picocolors.createColors>;
  readonly #steps = new StepTracker();
  #routed: ReadonlySet<string> = new Set();
  #tokens = "";
  #frame = 0;
  #ticker: NodeJS.Timeout | undefined;
  #paused = false;
  /** The error message of the last failed step line: the outcome does not print it twice. */
  #failedWith: string | undefined;
  #closed = false;

  constructor(io: CliIo) {
    // The cursor stays visible: hiding it would need a hook on the process to show it again.
    this.#region = createLogUpdate(io.stdout, { showCursor: true });
    this.#c = picocolors.createColors(!io.env.NO_COLOR);
  }

  begin(run: RunInfo): void {
    this.#routed = run.routed;
    if (run.resumed) this.#steps.resumedNow();
    const { bold, dim } = this.#c;
    this.#persist(
      `${bold(printable(run.workflow))} ${dim(`${run.resumed ? "resuming" : "run"} ${printable(run.runId)}`)}`,
    );
    this.#ticker = setInterval(() => this.#draw(), FRAME_MS);
    this.#ticker.unref();
  }

  item(event: AnyEvent): void {
    const change = this.#steps.see(event);
    if (change.kind === "ended" && change.attempt.status === "failed") this.#failedWith = change.attempt.error?.message;
    if (change.kind === "other" && event.type === "TokenEvent" && typeof event.delta === "string") {
      this.#tokens += printable(event.delta);
    }
    const line = change.kind === "ended" ? this.#describeEnd(change.attempt) : this.#describeItem(event);
    if (line === undefined) this.#draw();
    else {
      this.#flushTokens();
      this.#persist(line);
    }
  }

  /** The lines that stay for a stream item; none for the items the region or the outcome shows. */
  #describeItem(event: AnyEvent): string | undefined {
    if (event.type === "StepStartedEvent" || event.type === "TokenEvent") return undefined;
    const { cyan, dim } = this.#c;
    if (event.type !== "InputRequiredEvent") {
      if (TERMINAL_TYPES.has(event.type) || this.#routed.has(event.type)) return undefined;
      return `${dim("·")} ${printable(event.type)} ${dim(oneLine(fieldsOf(event)))}`;
    }
    const { prefix, payload, ...rest } = fieldsOf(event);
    const lines = [`${cyan("◆")} input required: ${printable(String(prefix ?? "").trim())}`];
    const shown = payload ?? (Object.keys(rest).length > 0 ? rest : undefined);
    if (shown !== undefined) lines.push(...describePayload(shown).map((line) => `  ${dim(line)}`));
    return lines.join("\n");
  }

  pause(): void {
    this.#flushTokens();
    this.#paused = true;
    this.#region.clear();
  }

  resume(): void {
    this.#paused = false;
    this.#draw();
  }

  note(text: string): void {
    this.#persist(printable(text));
  }

  end(outcome: RunOutcome, elapsedMs: number): void {
    this.#flushTokens();
    // Steps still "in flight" (a detached or timed-out run's) are not drawn under the outcome.
    this.#paused = true;
    this.#region.clear();
    this.#persist(this.#describeOutcome(outcome, elapsedMs));
  }

  #describeOutcome(outcome: RunOutcome, elapsedMs: number): string {
    const { green, red, yellow, bold, dim } = this.#c;
    const took = dim(`in ${formatDuration(elapsedMs)}`);
    switch (outcome.status) {
      case "completed":
        return `${green("✔")} ${bold("completed")} ${took}\n${formatResult(outcome.result)}`;
      case "failed": {
        const where = outcome.step ? ` in ${bold(printable(outcome.step))} after ${outcome.attempts} attempt(s)` : "";
        const shown = outcome.step !== null && this.#failedWith === outcome.error.message;
        const error = shown ? [] : [red(printable(outcome.error.message))];
        const frames = (outcome.frames ?? []).map((frame) => dim(`  ${printable(frame)}`));
        return [`${red("✖")} ${bold("failed")}${where} ${took}`, ...error, ...frames].join("\n");
      }
      case "timedOut": {
        const active =
          outcome.activeSteps.length > 0 ? `; still running: ${printable(outcome.activeSteps.join(", "))}` : "";
        return `${yellow("⏱")} ${bold("timed out")} after ${formatDuration(outcome.timeout)}${active}`;
      }
      case "cancelled":
        return `${yellow("■")} ${bold("cancelled")} ${took}`;
      case "waiting":
        return printable(waitingAdvice(outcome).join("\n"));
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#ticker);
    this.#region.clear();
    this.#region.done();
  }

  /** Writes lines that stay above the live region, then redraws the region below them. */
  #persist(text: string): void {
    if (this.#closed) return;
    this.#region.persist(text);
    this.#draw();
  }

  #flushTokens(): void {
    if (this.#tokens === "") return;
    const text = this.#tokens;
    this.#tokens = "";
    this.#persist(`  ${text.replace(/\n/g, "\n  ")}`);
  }

  #draw(): void {
    if (this.#paused || this.#closed) return;
    this.#frame = (this.#frame + 1) % FRAMES.length;
    const { cyan, dim, yellow } = this.#c;
    const now = Date.now();
    const lines = this.#steps.running.map(({ step, attempt, startedAt }) => {
      const retry = attempt > 1 ? yellow(` attempt ${attempt}`) : "";
      return `${cyan(FRAMES[this.#frame])} ${printable(step)} ${dim(formatDuration(now - startedAt))}${retry}`;
    });
    if (this.#tokens !== "")
      lines.push(
        ...this.#tokens
          .split("\n")
          .slice(-TOKEN_LINES)
          .map((line) => `  ${line}`),
      );
    this.#region(lines.join("\n"));
  }

  #describeEnd(ended: StepEnded): string {
    const { green, red, yellow, dim } = this.#c;
    const since = ended.sinceResume ? " since resume" : "";
    const took = ended.durationMs === undefined ? "" : ` ${dim(`${formatDuration(ended.durationMs)}${since}`)}`;
    const step = printable(ended.step);
    const error = printable(ended.error?.message ?? "unknown error");
    switch (ended.status) {
      case "completed": {
        const retried = ended.attempt > 1 ? yellow(` after ${ended.attempt} attempts`) : "";
        return `${green("✔")} ${step}${took}${retried}${ended.output ? dim(` → ${printable(ended.output)}`) : ""}`;
      }
      case "retrying":
        return `${yellow("↻")} ${step}${took} ${yellow(`attempt ${ended.attempt} failed: ${error}; retrying`)}`;
      case "failed":
        return `${red("✖")} ${step}${took} ${red(`failed (attempt ${ended.attempt}): ${error}`)}`;
    }
  }
}

/** A prompt's payload as lines: `key: value` for an object's fields, else the value on one line. */
function describePayload(payload: unknown): string[] {
  if (payload === null || typeof payload !== "object" || Array.isArray(payload)) return [oneLine(payload)];
  return Object.entries(payload).map(([key, value]) => `${key}: ${oneLine(value)}`);
}
