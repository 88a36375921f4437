import { type AnyActorLogic, type AnyActorRef, fromCallback } from "xstate";
import { nextRetryDelay } from "../definition/retry.js";
import type { StepDefinition } from "../definition/types.js";
import { errorInfo, StepTimeoutError, WorkflowCancelledError } from "../errors.js";
import type { AnyEvent, AnyEventDef, FieldsSchema } from "../events/types.js";
import { bindingOf, predicatesOf } from "./bindings.js";
import type { RunContext } from "./context.js";
import { waiterKey } from "./context.js";
import { type FromStepMsg, internal, type ToStepMsg } from "./protocol.js";
import { checkEmitted, StepContextImpl, type StepHost } from "./step-context.js";

/** What every step actor of one compiled workflow shares. */
export interface StepEnvironment {
  readonly resources: Readonly<Record<string, unknown>>;
  readonly stateSchema: FieldsSchema | undefined;
  readonly eventDefs: ReadonlyMap<string, AnyEventDef>;
  readonly accepts: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Builds the actor logic that runs one step's invocations. The compiler registers one per step
 * under the step's name; a durable backend can pass its own factory to `toMachine`.
 */
export type StepActorFactory = (step: StepDefinition, env: StepEnvironment) => AnyActorLogic;

interface Running {
  ctx: StepContextImpl | undefined;
  stopped: boolean;
  waiters: Map<number, { resolve(event: AnyEvent): void; reject(error: unknown): void }>;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The default step actor: one long-lived callback actor per step (invoked with the run, `src` and
 * id = the step name) that runs each invocation the machine hands it. It never decides routing:
 * the machine schedules, the actor executes and reports back with events.
 */
export const createStepActor: StepActorFactory = (step, env) =>
  fromCallback<ToStepMsg, { step: string }>(({ self, sendBack, receive }) => {
    const parent = self._parent as AnyActorRef;
    const binding = bindingOf(parent);
    const running = new Map<number, Running>();
    const send = sendBack as (msg: FromStepMsg) => void;
    const host: StepHost = {
      step,
      get runId() {
        return (parent.getSnapshot().context as RunContext).runId;
      },
      resources: binding?.resources ? { ...env.resources, ...binding.resources } : env.resources,
      stateSchema: env.stateSchema,
      eventDefs: env.eventDefs,
      accepts: env.accepts,
      context: () => parent.getSnapshot().context as RunContext,
      send,
      wait(id, op, predicate, signal) {
        const run = running.get(id);
        if (predicate) predicatesOf(parent).set(waiterKey(id, op), predicate as (e: unknown) => boolean);
        return new Promise<AnyEvent>((resolve, reject) => {
          if (!run || signal.aborted) return reject(signal.reason ?? new WorkflowCancelledError());
          run.waiters.set(op, { resolve, reject });
        });
      },
      forget(id, op) {
        running.get(id)?.waiters.delete(op);
        predicatesOf(parent).delete(waiterKey(id, op));
      },
    };

    const execute = async (id: number, run: Running) => {
      for (;;) {
        const invocation = host.context().inflight[id];
        if (!invocation || run.stopped) return;
        const ctx = new StepContextImpl(host, id, invocation);
        run.ctx = ctx;
        let output: AnyEvent | null;
        try {
          let result = step.fn(ctx as never, invocation.event);
          if (isThenable(result)) result = await withTimeout(result, step, ctx, run);
          if (run.stopped) return;
          output = result == null ? null : checkEmitted(host, result, "returned");
        } catch (error) {
          if (run.stopped) return;
          ctx.abort(error);
          const delay = nextRetryDelay(step.retry, invocation.attempt, error, `${host.runId}:${step.name}:${id}`);
          if (delay === null) {
            running.delete(id);
            send({ type: internal.failed, id, error, attempts: invocation.attempt });
            return;
          }
          send({ type: internal.retry, id, error: errorInfo(error), delay });
          if (delay > 0) await sleep(delay, run);
          if (run.stopped) return;
          send({ type: internal.attempt, id });
          continue;
        }
        running.delete(id);
        send({ type: internal.done, id, output });
        return;
      }
    };

    receive((msg) => {
      if (msg.type === internal.invoke) {
        if (running.has(msg.id)) return;
        const run: Running = { ctx: undefined, stopped: false, waiters: new Map() };
        running.set(msg.id, run);
        // User code must not start inside the machine's macrostep: a ctx op sent from there would
        // be queued instead of applied, and ctx reads would be stale.
        queueMicrotask(() => void execute(msg.id, run));
      } else if (msg.type === internal.resolve) {
        const waiter = running.get(msg.id)?.waiters.get(msg.op);
        running.get(msg.id)?.waiters.delete(msg.op);
        predicatesOf(parent).delete(waiterKey(msg.id, msg.op));
        waiter?.resolve(msg.event);
      }
    });

    return () => {
      if (running.size === 0) return;
      const reason = new WorkflowCancelledError();
      for (const run of running.values()) {
        run.stopped = true;
        clearTimeout(run.timer);
        run.ctx?.abort(reason);
        for (const waiter of run.waiters.values()) waiter.reject(reason);
      }
      running.clear();
    };
  });

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as PromiseLike<unknown>).then === "function";
}

/** Races the attempt against the step's `timeout`, aborting `ctx.signal` when it expires. */
function withTimeout(
  result: PromiseLike<unknown>,
  step: StepDefinition,
  ctx: StepContextImpl,
  run: Running,
): PromiseLike<unknown> {
  if (step.timeout === undefined) return result;
  const ms = step.timeout;
  return new Promise((resolve, reject) => {
    run.timer = setTimeout(() => {
      const error = new StepTimeoutError(step.name, ms);
      ctx.abort(error);
      reject(error);
    }, ms);
    result.then(
      (value) => {
        clearTimeout(run.timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(run.timer);
        reject(error);
      },
    );
  });
}

function sleep(ms: number, run: Running): Promise<void> {
  return new Promise((resolve) => {
    run.timer = setTimeout(resolve, ms);
  });
}
