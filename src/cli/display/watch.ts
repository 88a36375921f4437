import type { AnyEvent } from "../../events/types.js";
import type { WorkflowHandler } from "../../runtime/handler.js";
import type { RunDisplay, RunInfo } from "./display.js";
import { outcomeOf, type RunOutcome, type StoredRunRef } from "./outcome.js";

/** Asks a prompt at the terminal: the answer, or `undefined` when the person stopped (Ctrl-C). */
export type AskPrompt = (prompt: AnyEvent, signal: AbortSignal) => Promise<string | undefined>;

/** Where SIGINT comes from: the process, or a test's emitter. */
export interface SignalSource {
  on(signal: "SIGINT", listener: () => void): unknown;
  off(signal: "SIGINT", listener: () => void): unknown;
}

export interface WatchOptions {
  readonly display: RunDisplay;
  readonly run: RunInfo;
  /** Who answers prompts here; without it, a prompt leaves the run waiting (or cancels it, without a store). */
  readonly ask: AskPrompt | undefined;
  /** The run's store, as the commands that continue it name it; without it, Ctrl-C cancels. */
  readonly stored: StoredRunRef | undefined;
  readonly signals: SignalSource;
}

/**
 * Shows a run until it ends here and resolves to how it ended: it reads the run's `all` stream
 * into the display, asks each pending prompt (or, when no one can answer, leaves the run waiting
 * in its store), and on Ctrl-C detaches the run to its store (or cancels it without one).
 */
export async function watchRun(handler: WorkflowHandler, options: WatchOptions): Promise<RunOutcome> {
  const { display, ask, stored, signals } = options;
  const began = Date.now();
  const stopping = new AbortController();
  let outcome: RunOutcome | undefined;
  let prompts: AnyEvent[] = [];

  let lettingGo: Promise<void> | undefined;
  /** Leaves the run to its store (or cancels it without one), once. */
  const letGo = (why: "input" | "detached"): Promise<void> => {
    lettingGo ??= (async () => {
      stopping.abort();
      prompts = handler.pendingInput;
      if (stored) {
        await handler.detach();
        // A run that ended just as Ctrl-C came was not detached: its own outcome stands.
        outcome ??= { status: "waiting", why, prompts, stored };
      } else {
        handler.cancel();
        // Cancelled because no one could answer: still "left waiting" for the exit code.
        if (why === "input") outcome ??= { status: "waiting", why, prompts, stored };
      }
    })();
    return lettingGo;
  };
  const onSigint = () => {
    letGo("detached").catch(noop);
  };
  signals.on("SIGINT", onSigint);
  // The run ending (a timeout while a person thinks) takes the prompt away.
  const settled = new AbortController();
  handler.then(
    () => settled.abort(),
    () => settled.abort(),
  );

  display.begin(options.run);
  try {
    for await (const event of handler.streamEvents({ all: true })) {
      const terminal = outcomeOf(event);
      if (terminal) outcome ??= terminal;
      display.item(event);
      if (event.type !== "InputRequiredEvent" || stopping.signal.aborted) continue;
      // A resumed run shows its prompts again, even one an answer delivered through the store took.
      if (handler.pendingInput.length === 0) continue;
      if (!ask) {
        await letGo("input");
        continue;
      }
      display.pause();
      const answer = await ask(event, AbortSignal.any([stopping.signal, settled.signal]));
      display.resume();
      if (answer !== undefined) send(handler, answer);
      else if (!settled.signal.aborted) await letGo("detached");
    }
    // A Ctrl-C's detach may still be saving the run when its stream ends.
    await lettingGo;
    // Detached (or taken over): the stream ended without a terminal item; the run goes on elsewhere.
    outcome ??= { status: "waiting", why: "detached", prompts, stored };
    display.end(outcome, Date.now() - began);
    return outcome;
  } finally {
    signals.off("SIGINT", onSigint);
    display.close();
  }
}

function noop(): void {}

function send(handler: WorkflowHandler, response: string): void {
  try {
    handler.sendEvent({ type: "HumanResponseEvent", response });
  } catch {
    // The run ended while the person answered: its stream says how.
  }
}
