import type { AnyEvent } from "../../events/types.js";
import type { RunOutcome } from "./outcome.js";

/** What a display is told about the run it shows. */
export interface RunInfo {
  readonly workflow: string;
  readonly runId: string;
  /** Continued from a store (`runs resume`), not started here. */
  readonly resumed: boolean;
  /**
   * The event types steps return or send: they travel between steps. Any other item that is not
   * the runtime's own (a step's `ctx.writeEventToStream`) is progress for the person watching.
   */
  readonly routed: ReadonlySet<string>;
}

/**
 * How `stepchart run` and `runs resume` show a run: live on a terminal, one line per event in a
 * log, or NDJSON for scripts. The watcher (watch.ts) calls these in order: `begin`, `item` for
 * each item of the run's `all` stream, `pause`/`resume` around a prompt, `note`, `end`, `close`.
 */
export interface RunDisplay {
  begin(run: RunInfo): void;
  item(event: AnyEvent): void;
  /** Stops drawing: a prompt takes the terminal. */
  pause(): void;
  resume(): void;
  /** A message for the person (or script) running the command. */
  note(text: string): void;
  /** The run ended here (or was left waiting); `elapsedMs` since `begin`. */
  end(outcome: RunOutcome, elapsedMs: number): void;
  /** Stops timers; the display writes nothing more. */
  close(): void;
}

/** The event types the steps of a workflow return or send (see `RunInfo.routed`). */
export function routedTypes(definition: {
  readonly steps: readonly { readonly emits: readonly { readonly type: string }[] }[];
}): Set<string> {
  return new Set(definition.steps.flatMap((step) => step.emits.map((def) => def.type)));
}

/** Item types every display handles itself, or the outcome stands for. */
export const TERMINAL_TYPES = new Set([
  "StopEvent",
  "WorkflowFailedEvent",
  "WorkflowTimedOutEvent",
  "WorkflowCancelledEvent",
]);
