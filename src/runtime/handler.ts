import type { Actor, AnyStateMachine } from "xstate";
import type { CompiledTopology } from "../compiler/topology.js";
import { WorkflowStateError } from "../errors.js";
import type { InputRequiredEvent } from "../events/built-ins.js";
import type { AnyEvent } from "../events/types.js";
import { release } from "../execution/hosting.js";
import type { RunContext } from "../kernel/context.js";
import { stopOf, terminalOf } from "../kernel/outcome.js";
import { internal, seal } from "../kernel/protocol.js";
import type { StreamMark, WorkflowSnapshot } from "../persistence/snapshot.js";
import { holdProcess, releaseProcess } from "./keep-alive.js";
import { checkOutsideEvent } from "./outside.js";
import type { HandlerParts } from "./parts.js";
import { RunStream, type StreamOptions } from "./stream.js";
import { buildTrace, endOf, type TraceEntry } from "./trace.js";
import { createVerboseLog, type VerboseLog } from "./verbose.js";

/** @internal The run's trace so far (`traceRun(handler)` in stepchart/inspect reads it). */
// Registered symbols: a handler of another copy of stepchart (a file that imports its own) answers too.
export const traceOf: unique symbol = Symbol.for("stepchart.trace");
/** @internal The stream with each item's position: see `WorkflowHandler[streamWithPositions]`. */
export const streamWithPositions: unique symbol = Symbol.for("stepchart.streamWithPositions");

/**
 * A running workflow: await it for the result, stream what happens, answer prompts, cancel.
 *
 * While the run is active, a handler that is awaited (`await`, `then`, `result`, `stopEvent`) or
 * whose stream is being read keeps the Node process alive, even when the run only waits for a
 * person; a run nobody waits on does not. A run that fails while nobody took its outcome in hand
 * (awaited it, read its stream, cancelled or detached it) is an unhandled rejection of its
 * `WorkflowError`, which Node prints (exiting non-zero by default).
 *
 * @example
 * ```ts
 * const handler = rag.run({ query: "What are the key findings?" }, { resources: { index } });
 * for await (const ev of handler.streamEvents()) console.log(ev.type, ev);
 * const answer = await handler; // the StopEvent's result
 * ```
 */
export class WorkflowHandler<TResult = unknown, TSend extends AnyEvent = AnyEvent> implements PromiseLike<TResult> {
  /** The run's id (the `runId` option, or a random UUID). */
  readonly runId: string;
  #actor: Actor<AnyStateMachine> | undefined;
  /** Work asked for while a resumed run is still loading. */
  #queued: ((actor: Actor<AnyStateMachine>) => void)[] | undefined;
  // Only what a run needs for its whole life is kept (an in-flight run should hold little): the
  // parts object itself, and the launch scope its closures hold, are let go once the run started.
  #capture: HandlerParts["capture"];
  #detach: HandlerParts["detach"];
  #verbose: VerboseLog | undefined;
  #restored: boolean;
  #settle!: { resolve(stop: AnyEvent): void; reject(error: unknown): void };
  #stop: Promise<AnyEvent & { readonly result: TResult }>;
  #result: Promise<TResult> | undefined;
  // Who waits on the run (fields, not an object of their own: an in-flight run holds little).
  /** Someone took the outcome in hand (then, result, stopEvent, a reader, cancel, detach). */
  #taken = false;
  /** Someone awaits the outcome (then, result, stopEvent). */
  #awaited = false;
  /** Stream readers iterating now. */
  #readers = 0;
  /** This handler holds the process open (see #keepAlive). */
  #holding = false;
  /** Seed-style access: `handler.ctx.sendEvent(ev)` is `handler.sendEvent(ev)`. */
  get ctx(): { sendEvent(event: TSend): void } {
    return { sendEvent: (event) => this.sendEvent(event) };
  }
  #stream: RunStream;
  #topology: CompiledTopology;
  #name: string;
  #ended = false;

  /** @internal Use `wf.run()` or `wf.resume()`. */
  constructor(parts: HandlerParts) {
    this.runId = parts.runId;
    this.#stream = new RunStream(parts.runId, parts.retain);
    if (parts.restored) this.#stream.expectResume();
    this.#capture = parts.capture;
    this.#detach = parts.detach;
    this.#verbose = parts.verbose ? createVerboseLog(parts.workflowName) : undefined;
    this.#verbose?.entry({
      kind: parts.restored ? "run.resumed" : "run.started",
      workflow: parts.workflowName,
      runId: parts.runId,
    });
    this.#restored = parts.restored === true;
    this.#topology = parts.topology;
    this.#name = parts.workflowName;
    // Not caught here: a run that fails while nobody took it in hand (see #take) is an
    // unhandled rejection, which Node reports (and exits non-zero for) like any other.
    this.#stop = new Promise<AnyEvent>((resolve, reject) => {
      this.#settle = { resolve, reject };
    }) as Promise<AnyEvent & { result: TResult }>;

    this.#open(parts);
  }

  /** Resolves to the whole StopEvent; awaiting it keeps the process alive like awaiting the handler. */
  get stopEvent(): Promise<AnyEvent & { readonly result: TResult }> {
    this.#await();
    return this.#stop;
  }

  /** Someone takes the outcome in hand (a reader, a cancel, a detach): a failure is theirs to handle. */
  #take(): void {
    if (this.#taken) return;
    this.#taken = true;
    this.#stop.catch(noop);
  }

  /** Someone waits for the outcome: the process must not exit under them while the run is active. */
  #await(): void {
    this.#take();
    if (this.#awaited) return;
    this.#awaited = true;
    this.#keepAlive();
  }

  /** A stream reader starts; returns what it calls when it stops. */
  #read(): () => void {
    this.#take();
    this.#readers++;
    this.#keepAlive();
    return () => {
      this.#readers--;
      this.#keepAlive();
    };
  }

  /**
   * Holds the process open while the run is active and someone awaits it or reads its stream;
   * lets go when the run ends or they stop. A run nobody waits on never holds it.
   */
  #keepAlive(): void {
    const wanted = !this.#ended && (this.#awaited || this.#readers > 0);
    if (wanted === this.#holding) return;
    this.#holding = wanted;
    if (wanted) holdProcess();
    else releaseProcess();
  }

  // Its own scope, so the closures a run keeps (the trace observer) do not hold `parts`.
  #observer(): (event: AnyEvent, from?: number, published?: boolean) => void {
    // Everything the run records comes here (see RunBinding.observe), with its source.
    return (event, from, published) => {
      if (from === -1) this.#stream.outside(event);
      else if (published) this.#stream.publish(event, from);
      else this.#stream.trace(event, from);
      this.#verbose?.item(event, from, published === true);
    };
  }

  /**
   * Resolves once the run is open, to `true`: at once for a run without a store, once its first
   * record is written for one with a store, once it is loaded for a resumed one (its stream
   * positions are known from then on). Resolves to `false` when it could not be opened (the run
   * id is taken, another runner claimed the run first, the record is corrupt): the handler then
   * rejects with the reason. Never rejects.
   */
  get loaded(): Promise<boolean> {
    return this.#loaded;
  }

  #loaded: Promise<boolean> = Promise.resolve(true);

  #open(parts: HandlerParts): void {
    let opened: Actor<AnyStateMachine> | Promise<Actor<AnyStateMachine>>;
    try {
      opened = parts.open(this.#observer(), (actor) => this.#mark(actor));
    } catch (error) {
      opened = Promise.reject(error);
    }
    if (opened instanceof Promise) {
      this.#loaded = opened.then(
        (actor) => {
          this.#attach(actor, parts);
          return true;
        },
        (error: unknown) => {
          this.#end(terminalOf(error), () => this.#settle.reject(error));
          return false;
        },
      );
    } else this.#attach(opened, parts);
  }

  /** The XState actor running the compiled machine. Throws `WorkflowStateError` while a resumed run loads. */
  get actor(): Actor<AnyStateMachine> {
    if (!this.#actor) throw new WorkflowStateError(`Run "${this.runId}" is still loading from its store`);
    return this.#actor;
  }

  #attach(actor: Actor<AnyStateMachine>, parts: HandlerParts): void {
    this.#actor = actor;
    const { signal, close, stoppedBecause } = parts;
    const onAbort = () => this.cancel();
    // Stream items and trace items come through the observer; only what the machine emits
    // without a step (a rejected event, a failed step) is taken from here.
    actor.on("*", (emitted: AnyEvent) => {
      if (emitted.type !== "EventRejectedEvent" && emitted.type !== "StepFinishedEvent") return;
      this.#stream.trace(emitted);
      this.#verbose?.item(emitted, undefined, false);
    });
    const finish = (terminal: AnyEvent, settle: () => void, moved = false) => {
      signal?.removeEventListener("abort", onAbort);
      if (!close) return this.#end(terminal, settle, moved);
      close().then(
        () => this.#end(terminal, settle, moved),
        () => this.#end(terminal, settle, moved),
      );
    };
    actor.subscribe({
      complete: () => {
        release(actor);
        this.#ended = true;
        const why = stoppedBecause?.();
        // Detached, or taken over: the run goes on elsewhere, and its stream there too.
        const moved = why instanceof WorkflowStateError;
        if (why !== undefined) return finish(terminalOf(why), () => this.#settle.reject(why), moved);
        const outcome = (actor.getSnapshot().context as RunContext).outcome;
        const stop = stopOf(outcome);
        finish(stop, () => this.#settle.resolve(stop));
      },
      error: (error) => {
        this.#ended = true;
        finish(terminalOf(error), () => this.#settle.reject(error));
      },
    });
    if (signal) {
      if (signal.aborted) queueMicrotask(onAbort);
      else signal.addEventListener("abort", onAbort, { once: true });
    }
    if (parts.restored) {
      const pending = (actor.getSnapshot().context as RunContext).pending.map((p) => p.event);
      this.#stream.resume(parts.restoredMark?.(), pending);
    }
    parts.start(actor);
    for (const work of this.#queued ?? []) work(actor);
    this.#queued = undefined;
  }

  #whenOpen(work: (actor: Actor<AnyStateMachine>) => void): void {
    this.#queued ??= [];
    this.#queued.push(work);
  }

  /** `moved`: the run goes on in another process; its stream ends here without the terminal item. */
  #end(terminal: AnyEvent, settle: () => void, moved = false): void {
    this.#ended = true;
    if (moved) this.#stream.close();
    else this.#stream.finish(terminal);
    this.#verbose?.entry(endOf(terminal));
    settle();
    // After settling: the awaiting code's continuation is queued, and runs before Node checks
    // whether anything still keeps it alive.
    this.#keepAlive();
  }

  /**
   * The run as a versioned JSON snapshot, at any moment (mid-step included) and after it ended.
   * `wf.resume(snapshot)` continues it, here or in another process.
   *
   * @example
   * ```ts
   * const snapshot = handler.snapshot();
   * await writeFile("run.json", JSON.stringify(snapshot));
   * ```
   */
  snapshot(): WorkflowSnapshot {
    return this.#capture(this.actor, this.#mark(this.actor));
  }

  #mark(actor: Actor<AnyStateMachine>): StreamMark {
    const context = actor.getSnapshot().context as RunContext | undefined;
    return this.#stream.mark((context?.pending ?? []).map((p) => p.event));
  }

  /** @internal `streamEvents`, writing each item's stream position to `at.position` before it is yielded. */
  [streamWithPositions](options: StreamOptions, at: { position: number }): AsyncIterable<AnyEvent> {
    return this.#stream.iterate(options, () => this.#read(), at);
  }

  /** @internal See `traceRun` (stepchart/inspect). */
  [traceOf](): TraceEntry[] {
    return buildTrace({
      workflow: this.#name,
      runId: this.runId,
      resumed: this.#restored,
      items: this.#stream.record(),
      ended: this.#stream.ended,
      dropped: this.#stream.dropped,
      startedBefore: this.#stream.startedBefore,
    });
  }

  /** Resolves to the StopEvent's `result`; rejects with a `WorkflowError`. */
  get result(): Promise<TResult> {
    if (!this.#result) {
      this.#await();
      this.#result = this.#stop.then((stop) => stop.result);
      this.#result.catch(noop);
    }
    return this.#result;
  }

  // biome-ignore lint/suspicious/noThenProperty: a handler is deliberately awaitable
  then<A = TResult, B = never>(
    onfulfilled?: ((value: TResult) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#await();
    return this.#stop.then(
      onfulfilled ? (stop) => onfulfilled(stop.result) : (stop) => stop.result as unknown as A,
      onrejected,
    );
  }

  /** Same as `handler.result.catch(...)`. */
  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<TResult | B> {
    return this.result.catch(onrejected);
  }

  /** Same as `handler.result.finally(...)`. */
  finally(onfinally?: (() => void) | null): Promise<TResult> {
    return this.result.finally(onfinally);
  }

  /**
   * The run's stream: stream writes, every InputRequiredEvent, and exactly one terminal item (the
   * StopEvent, or a WorkflowTimedOut/Cancelled/Failed event). Any number of consumers; each starts
   * at the oldest item the run still holds (all of them, unless the run outgrew its `retain`
   * window) and sees every item from there, however slowly it reads. `after` starts after a
   * position (a dropped one throws `StreamPositionError`), `all` adds the run's internal traffic,
   * `pin: false` lets the window pass a reader that stopped reading, `signal` stops a reader. A
   * run that goes on elsewhere (detached, or taken over by another runner) ends its stream here
   * with no terminal item: the process that continues it numbers the next items.
   */
  streamEvents(options: StreamOptions = {}): AsyncIterable<AnyEvent> {
    return this.#stream.iterate(options, () => this.#read());
  }

  /**
   * The position the stream's next item will take, in the default view or (`all: true`) the `all`
   * view. Positions count for the run's whole life, across resumes from a snapshot or store, so a
   * reader that wants only what comes next passes `after: handler.nextStreamPosition() - 1`. A
   * resumed run knows it once `loaded` (before that it says 0).
   */
  nextStreamPosition(options: { readonly all?: boolean } = {}): number {
    return this.#stream.next(options.all === true);
  }

  /**
   * Delivers an event from outside (a human response, or any type some step accepts or awaits),
   * after validating it. Throws `EventValidationError` (the run is unaffected) or, after the run
   * ended, `WorkflowStateError`.
   */
  sendEvent(event: TSend): void {
    if (this.#ended) {
      throw new WorkflowStateError(
        `Run "${this.runId}" of workflow "${this.#name}" has ended; it takes no more events`,
      );
    }
    const checked = checkOutsideEvent(event, this.#topology, this.#name, "handler.sendEvent");
    if (this.#actor) this.#actor.send(checked);
    else this.#whenOpen((actor) => actor.send(checked));
  }

  /**
   * Stops running this run in this process without ending it: its current state is saved to the
   * run's store and the lease is let go, so any process can `wf.resume(runId, { store })` it (a
   * deploy, or a process that should not sit idle while a person decides). In-flight steps are
   * stopped (their `ctx.signal` aborts) and re-run on resume. The handler rejects with
   * `WorkflowStateError`, and its stream ends with no terminal item (the resumed run's stream
   * continues its positions). Only for runs started or resumed with a `store`.
   *
   * @example
   * ```ts
   * const handler = approval.run({ topic: "tea" }, { store, runId: "tea-1" });
   * for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
   * await handler.detach(); // exit; a later process answers with approval.sendEvent("tea-1", ..., { store })
   * ```
   */
  async detach(): Promise<void> {
    const detach = this.#detach;
    if (!detach) throw new WorkflowStateError(`Run "${this.runId}" has no store to detach to`);
    if (this.#ended) return;
    // Letting go on purpose: the rejection that follows is no failure to report.
    this.#take();
    await detach(this.actor);
    await this.#stop.catch(noop);
  }

  /** Cancels the run: steps see `ctx.signal` abort, the stream ends with WorkflowCancelledEvent. */
  cancel(): void {
    if (this.#ended) return;
    // Cancelling on purpose: the WorkflowCancelledError that follows is no failure to report.
    this.#take();
    if (this.#actor) this.#actor.send(seal({ type: internal.cancel }));
    else this.#whenOpen((actor) => actor.send(seal({ type: internal.cancel })));
  }

  /** The prompts waiting for a person (empty when nothing is pending); they survive a restart. */
  get pendingInput(): InputRequiredEvent[] {
    const context = this.#actor?.getSnapshot().context as RunContext | undefined;
    return (context?.pending ?? []).map((p) => p.event as InputRequiredEvent);
  }
}

function noop(): void {}
