import type { AnyEvent } from "../../events/types.js";
import { exitCodeOf } from "../exit-codes.js";

/** How to reach a stored run again: the commands printed for a run left waiting or detached. */
export interface StoredRunRef {
  readonly runId: string;
  /** The `--store` argument, as printed (a PostgreSQL URL without its password). */
  readonly store: string;
  /** The workflow file, as the user named it. */
  readonly file: string;
}

/** How a run watched by the CLI ended here. */
export type RunOutcome =
  | { readonly status: "completed"; readonly result: unknown }
  | {
      readonly status: "failed";
      readonly step: string | null;
      readonly error: { readonly name: string; readonly message: string };
      readonly attempts: number;
      /** Where the error was thrown: the top frames of the user's code (none for a stall or a timeout). */
      readonly frames?: readonly string[];
    }
  | { readonly status: "timedOut"; readonly timeout: number; readonly activeSteps: readonly string[] }
  | { readonly status: "cancelled" }
  /**
   * Left waiting: saved in a store (`stored`, answered or resumed later), or, without a store,
   * cancelled because no one here could answer `prompts`.
   */
  | {
      readonly status: "waiting";
      readonly why: "input" | "detached";
      readonly prompts: readonly AnyEvent[];
      readonly stored: StoredRunRef | undefined;
    };

/** The outcome a run's terminal stream item stands for (undefined for any other item). */
export function outcomeOf(event: AnyEvent): RunOutcome | undefined {
  switch (event.type) {
    case "StopEvent":
      return { status: "completed", result: event.result };
    case "WorkflowFailedEvent":
      return {
        status: "failed",
        step: (event.step as string | null) ?? null,
        error: event.error as { name: string; message: string },
        attempts: Number(event.attempts),
      };
    case "WorkflowTimedOutEvent":
      return {
        status: "timedOut",
        timeout: Number(event.timeout),
        activeSteps: (event.activeSteps as string[]) ?? [],
      };
    case "WorkflowCancelledEvent":
      return { status: "cancelled" };
    default:
      return undefined;
  }
}

/** How many of the user's frames a failed run shows. */
const FRAMES_SHOWN = 3;

/**
 * stepchart's own code, for a module at `url`: `<package>/dist/` once built and installed (inside
 * node_modules, left out anyway), `<clone>/src/` in a clone. The last `/src/` or `/dist/` of the
 * path is the package's own (an app may live under a `~/src/` of its own). Its frames are not the user's.
 */
export function ownCodeOf(url: string): string[] | undefined {
  const at = Math.max(url.lastIndexOf("/src/"), url.lastIndexOf("/dist/"));
  return at === -1 ? undefined : [`${url.slice(0, at)}/src/`, `${url.slice(0, at)}/dist/`].map(pathOfUrl);
}

const ownCode = ownCodeOf(import.meta.url);

function pathOfUrl(url: string): string {
  return decodeURIComponent(url.replace(/^file:\/\//, ""));
}

/**
 * The top frames of a failed run's error that are the user's: a `WorkflowStepError`'s stack is its
 * one-line header then the frames of the error the step threw (stepchart puts no frames of its own
 * there), so what is left out here is only Node's internals and installed packages.
 */
export function userFrames(error: unknown): string[] {
  const stack = error instanceof Error && typeof error.stack === "string" ? error.stack : "";
  return (
    stack
      .split("\n")
      .map((line) => line.trim())
      // Frames with a place in a file (not `at async Promise.all (index 0)`), outside Node and packages.
      .filter((line) => line.startsWith("at ") && /:\d+:\d+\)?$/.test(line))
      .filter((line) => !/node:internal|\(node:|\/node_modules\//.test(line))
      .filter((line) => !ownCode?.some((dir) => line.includes(dir)))
      .slice(0, FRAMES_SHOWN)
  );
}

/** The exit code of an outcome (see exit-codes.ts). */
export function exitCodeFor(outcome: RunOutcome): number {
  return exitCodeOf(outcome.status);
}

/** `arg` as one shell word: quoted when it holds anything but plain characters. */
export const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command that answers a stored run's prompt (`response` stands for the person's answer). */
export function sendCommand(ref: StoredRunRef, response = "..."): string {
  const event = JSON.stringify({ type: "HumanResponseEvent", response });
  return `stepchart runs send ${quote(ref.runId)} --event ${quote(event)} --store ${quote(ref.store)} --file ${quote(ref.file)}`;
}

/** The command that continues a stored run, with the same display. */
export function resumeCommand(ref: StoredRunRef): string {
  return `stepchart runs resume ${quote(ref.runId)} --store ${quote(ref.store)} --file ${quote(ref.file)}`;
}

/** What a person reads about a run left waiting: why, and the commands that go on with it. */
export function waitingAdvice(outcome: Extract<RunOutcome, { status: "waiting" }>): string[] {
  const { stored } = outcome;
  if (!stored) {
    return [
      "The run asks for input, and there is no terminal to ask at and no store to wait in: it was cancelled.",
      "Run it with --store sqlite:runs.db to leave it waiting, or in a terminal to answer here.",
    ];
  }
  const answer = outcome.prompts.length > 0 ? sendCommand(stored) : undefined;
  if (outcome.why === "input") {
    const lines = [`Run ${stored.runId} is waiting for input, saved in ${stored.store}.`];
    if (answer) lines.push(`Answer it with:  ${answer}`);
    lines.push(`${answer ? "then continue" : "Continue it"} with:  ${resumeCommand(stored)}`);
    return lines;
  }
  const lines = [
    `Detached run ${stored.runId}; it is saved in ${stored.store}.`,
    `Continue it with:  ${resumeCommand(stored)}`,
  ];
  if (answer) lines.push(`(or answer it from anywhere first:  ${answer})`);
  return lines;
}
