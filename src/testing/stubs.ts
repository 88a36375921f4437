import type { StepContext, WorkflowDefinition } from "../definition/types.js";
import type { AnyEvent } from "../events/types.js";
import { Workflow } from "../runtime/workflow.js";

/** A stub step invocation waiting for the driver to say what it returns. */
export interface StubCall {
  readonly step: string;
  readonly event: AnyEvent;
  resolve(returned: AnyEvent | undefined): void;
}

/**
 * The controller of one model-test run's stub steps: each invocation waits in `calls` until a
 * path's edge resolves it. Reached by the stubs through the run's resources.
 */
export class StubDriver {
  static readonly resource = "stepchart.testing.stubs";
  readonly calls: StubCall[] = [];
  #checks = new Set<() => void>();
  /** Set once the run ended: a wait for anything else then fails at once. */
  #ended: string | undefined;

  constructor(readonly timeout: number) {}

  /** Ends every wait once `run` settles (a run that failed will not do what a path expects). */
  watch(run: Promise<unknown>): void {
    const end = (how: string) => {
      this.#ended = how;
      for (const check of [...this.#checks]) check();
    };
    run.then(
      () => end("the run completed"),
      (error: unknown) => end(`the run ended: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  static of(ctx: StepContext): StubDriver {
    return (ctx.resources as Record<string, unknown>)[StubDriver.resource] as StubDriver;
  }

  /** The stub body: waits until resolved (or the run stops it). */
  call(step: string, event: AnyEvent, signal: AbortSignal): Promise<AnyEvent | undefined> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const leave = () => {
        const i = this.calls.indexOf(call);
        if (i >= 0) this.calls.splice(i, 1);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        leave();
        reject(signal.reason);
      };
      const call: StubCall = {
        step,
        event,
        resolve: (returned) => {
          leave();
          resolve(returned);
        },
      };
      this.calls.push(call);
      signal.addEventListener("abort", onAbort, { once: true });
      for (const check of [...this.#checks]) check();
    });
  }

  /** The oldest pending invocation of `step` on an event of `type`, once there is one. */
  async invoked(step: string, type: string): Promise<StubCall> {
    let found: StubCall | undefined;
    await this.until(() => {
      found = this.calls.find((c) => c.step === step && c.event.type === type);
      return found !== undefined;
    }, `step "${step}" to be invoked with ${type}`);
    return found as StubCall;
  }

  /** Resolves once `ready()` holds (checked after every stub call and every few ms), or rejects after the timeout. */
  until(ready: () => boolean, what: string): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const deadline = Date.now() + this.timeout;
      const check = () => {
        const done = ready();
        if (!done && this.#ended === undefined && Date.now() < deadline) return;
        clearInterval(poll);
        this.#checks.delete(check);
        if (done) resolve();
        else if (this.#ended !== undefined) reject(new Error(`${this.#ended}, while waiting for ${what}`));
        else reject(new Error(`Timed out after ${this.timeout} ms waiting for ${what}`));
      };
      // Other changes (a prompt, the run's end) have no hook here: look every few ms as well.
      const poll = setInterval(check, 5);
      this.#checks.add(check);
    });
  }
}

/** The same definition with every step a stub the driver resolves; no step timeouts, no run timeout. */
export function stubbedWorkflow(def: WorkflowDefinition): Workflow {
  return Workflow.fromDefinition({
    ...def,
    timeout: { run: null, whileWaiting: def.timeout.whileWaiting },
    steps: def.steps.map((step) => ({
      ...step,
      timeout: undefined,
      retry: undefined,
      fn: (ctx: StepContext, event: AnyEvent) => StubDriver.of(ctx).call(step.name, event, ctx.signal),
    })),
  });
}
