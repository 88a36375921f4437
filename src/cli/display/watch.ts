import type { AnyEvent } from "../../events/types.js";
import type { WorkflowHandler } from "../../runtime/handler.js";
import type { RunDisplay, RunInfo } from "./display.js";
import { outcomeOf, type RunOutcome, type StoredRunRef, userFrames } from "./outcome.js";

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

/** The prompt the terminal shows, while the watcher goes on reading the run's stream. */
interface OpenPrompt {
  readonly event: AnyEvent;
  /** Aborted when the run no longer waits on this prompt (it was answered elsewhere). */
  readonly stop: AbortController;
  /** Settles once the prompt has let go of the terminal and its answer (if any) was sent. */
  closed: Promise<void>;
}

/**
 * Shows a run until it ends here and resolves to how it ended: it reads the run's `all` stream
 * into the display, asks each pending prompt (or, when no one can answer, leaves the run waiting
 * in its store), and on Ctrl-C detaches the run to its store (or cancels it without one).
 *
 * The stream is read on while a prompt is open: another process may answer it (`runs send`, a
 * server on the same store), and then the prompt is closed at once rather than sending the
 * person's answer to a prompt they never saw. Items that come while a prompt holds the terminal
 * are shown when it lets go.
 */
export async function watchRun(handler: WorkflowHandler, options: WatchOptions): Promise<RunOutcome> {
  const { display, ask, stored, signals } = options;
  const began = Date.now();
  const stopping = new AbortController();
  let outcome: RunOutcome | undefined;
  let prompts: AnyEvent[] = [];
  let failure: { error: unknown } | undefined;

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
  let rejection: unknown;
  handler.then(
    () => settled.abort(),
    (error: unknown) => {
      rejection = error;
      settled.abort();
    },
  );

  /** Items not shown yet: those that came while a prompt held the terminal. */
  const held: AnyEvent[] = [];
  let open: OpenPrompt | undefined;

  const closeIfAnswered = () => {
    if (open && !open.stop.signal.aborted && !isPending(handler, open.event)) open.stop.abort();
  };

  /** Shows the held items in order, until one is a prompt to ask: the rest wait for it. */
  const drain = async (): Promise<void> => {
    while (open === undefined && held.length > 0) {
      const event = held.shift() as AnyEvent;
      display.item(event);
      if (event.type !== "InputRequiredEvent" || stopping.signal.aborted || settled.signal.aborted) continue;
      // A resumed run shows its prompts again, even one an answer delivered through the store took.
      if (!isPending(handler, event)) continue;
      if (!ask) await letGo("input");
      else open = openPrompt(event, ask);
    }
  };

  const openPrompt = (event: AnyEvent, askHere: AskPrompt): OpenPrompt => {
    display.pause();
    const prompt: OpenPrompt = { event, stop: new AbortController(), closed: Promise.resolve() };
    const unwatch = onChange(handler, closeIfAnswered);
    const answered = askHere(event, AbortSignal.any([stopping.signal, settled.signal, prompt.stop.signal]));
    prompt.closed = answered
      .then(async (answer) => {
        unwatch();
        open = undefined;
        display.resume();
        if (prompt.stop.signal.aborted) display.note("The prompt was answered elsewhere.");
        else if (answer !== undefined) send(handler, answer);
        else if (!settled.signal.aborted) await letGo("detached");
        await drain();
      })
      .catch(async (error: unknown) => {
        unwatch();
        open = undefined;
        failure ??= { error };
        await letGo("detached").catch(noop);
      });
    return prompt;
  };

  display.begin(options.run);
  try {
    for await (const event of handler.streamEvents({ all: true })) {
      const terminal = outcomeOf(event);
      if (terminal) outcome ??= terminal;
      held.push(event);
      if (open) closeIfAnswered();
      else await drain();
    }
    // The run ended or was let go: an open prompt is closing (its signal aborted); what it held is shown then.
    while (open) await open.closed;
    await drain();
    if (failure) throw failure.error;
    // A Ctrl-C's detach may still be saving the run when its stream ends.
    await lettingGo;
    // Detached (or taken over): the stream ended without a terminal item; the run goes on elsewhere.
    outcome ??= { status: "waiting", why: "detached", prompts, stored };
    if (outcome.status === "failed") {
      await handler.then(noop, noop); // the rejection is in `rejection` once the handler settled
      outcome = { ...outcome, frames: userFrames(rejection) };
    }
    display.end(outcome, Date.now() - began);
    return outcome;
  } finally {
    signals.off("SIGINT", onSigint);
    display.close();
  }
}

/** Whether the run still waits on `prompt` (the same event, or one equal to it after a reload). */
function isPending(handler: WorkflowHandler, prompt: AnyEvent): boolean {
  const text = JSON.stringify(prompt);
  return handler.pendingInput.some((pending) => pending === prompt || JSON.stringify(pending) === text);
}

/**
 * Calls `check` after each change of the run's state, until the returned function is called. An
 * answer taken from the store's inbox may resolve a step's wait without any stream item.
 */
function onChange(handler: WorkflowHandler, check: () => void): () => void {
  try {
    const subscription = handler.actor.subscribe(() => queueMicrotask(check));
    return () => subscription.unsubscribe();
  } catch {
    return noop; // still loading: the stream's items trigger the check
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
