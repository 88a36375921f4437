import type { AnyActorRef } from "xstate";
import { WorkflowCancelledError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import type { RunContext } from "../kernel/context.js";
import { FROM_OUTSIDE } from "../kernel/draft.js";
import { endStatusOf, terminalOf } from "../kernel/outcome.js";
import type { Instrumentation, RunEnd, RunInfo, RunObserver } from "./instrument.js";

type Observe = (event: AnyEvent, from?: number, published?: boolean) => void;

/**
 * The runtime's side of one run's {@link Instrumentation}: asks it for the run's observer when the
 * run starts, tells that observer about events from outside, and how the run ended. Step attempts
 * reach the observer through the run's binding. Made only for runs with an `instrument` option.
 */
export class TracedRun {
  /** Set once the run starts (the invoker reads it at each attempt). */
  observer: RunObserver | undefined;
  #ended = false;

  constructor(
    private readonly instrumentation: Instrumentation,
    private readonly info: RunInfo,
  ) {}

  /** What the run's binding takes: its `observe`, wrapped by {@link observing}, and this. */
  binding(observe: Observe): { readonly observe: Observe; readonly traced: TracedRun } {
    return { observe: this.observing(observe), traced: this };
  }

  /** `start`, after {@link start} (for a run with no `stoppedBecause`). */
  starting<A extends AnyActorRef>(start: (actor: A) => void): (actor: A) => void {
    return (actor) => {
      this.start(actor);
      start(actor);
    };
  }

  /** The run's `observe`, also telling the observer about events from outside. */
  observing(observe: Observe): Observe {
    return (event, from, published) => {
      observe(event, from, published);
      // The start event is traced as from outside too: it is the run's start, not news.
      if (from === FROM_OUTSIDE && !published && event.type !== "StartEvent") this.observer?.received?.(event);
    };
  }

  /**
   * The run starts (its actor is about to): asks for its observer, and watches the actor's end.
   * `stoppedBecause` says why a run was stopped here without ending (see `HandlerParts`).
   */
  start(actor: AnyActorRef, stoppedBecause?: () => unknown): void {
    this.observer = this.instrumentation.startRun(this.info);
    if (!this.observer) return;
    actor.subscribe({
      complete: () => this.#end(completion(actor, stoppedBecause?.())),
      // Another observer (the handler) handles the error: this one only reads it.
      error: (error) => this.#end({ status: failureStatus(error), error }),
    });
  }

  #end(end: RunEnd): void {
    if (this.#ended) return;
    this.#ended = true;
    this.observer?.end(end);
  }
}

/** How a run whose actor completed ended: with its StopEvent, or stopped here from outside. */
function completion(actor: AnyActorRef, stopped: unknown): RunEnd {
  if (stopped !== undefined) return { status: "stopped", reason: stopped };
  const outcome = (actor.getSnapshot().context as RunContext | undefined)?.outcome;
  // A raw `actor.stop()` ends a run without an outcome: it counts as cancelled, as its status does.
  if (outcome?.status !== "completed") return { status: "cancelled", error: new WorkflowCancelledError() };
  return { status: "completed" };
}

function failureStatus(error: unknown): "failed" | "timedOut" | "cancelled" {
  const status = endStatusOf(terminalOf(error));
  return status === "completed" ? "failed" : status;
}
