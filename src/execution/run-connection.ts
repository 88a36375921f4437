import type { AnyActorRef } from "xstate";
import { WorkflowCancelledError } from "../errors.js";
import type { AnyEvent, AnyEventDef, FieldsSchema } from "../events/types.js";
import { type RunContext, waiterKey } from "../kernel/context.js";
import { type FromStepMsg, internal } from "../kernel/protocol.js";
import { bindingOf, predicatesOf } from "./bindings.js";
import { find, type Running, type StepEnvironment } from "./running.js";
import type { StepContextHost } from "./step-context.js";
import type { TracedRun } from "./traced-run.js";

/** The run-wide side of every `ctx`: reads the workflow actor's context, sends it ctx ops. */
export class RunConnection implements StepContextHost {
  readonly resources: Readonly<Record<string, unknown>>;
  readonly stateSchema: FieldsSchema | undefined;
  readonly eventDefs: ReadonlyMap<string, AnyEventDef>;
  readonly accepts: ReadonlyMap<string, ReadonlySet<string>>;
  /** The run's instrumentation, when it has one (see the `instrument` run option). */
  readonly traced: TracedRun | undefined;

  constructor(
    readonly workflow: AnyActorRef,
    env: StepEnvironment,
    private readonly post: (msg: FromStepMsg) => void,
    private readonly running: Running[],
    private readonly batch: boolean,
  ) {
    const binding = bindingOf(workflow);
    const own = binding?.resources;
    this.resources = own ? { ...env.resources, ...own } : env.resources;
    this.traced = binding?.traced;
    this.stateSchema = env.stateSchema;
    this.eventDefs = env.eventDefs;
    this.accepts = env.accepts;
  }

  /**
   * Posts a message to the workflow actor. `sendEvent`s are held and posted together, in order,
   * as one `sendMany` (a fan-out of n events is then one transition, not n), before any other
   * message and at the end of the current microtask. Nothing else a step does reads their effect.
   */
  send(msg: FromStepMsg): void {
    const workflow = this.workflow;
    if (msg.type === internal.send && this.batch) {
      const batch = heldSends.get(workflow);
      if (batch && batch.id === msg.id && batch.op + batch.sends.length === msg.op) {
        batch.sends.push(msg.step === undefined ? { event: msg.event } : { event: msg.event, step: msg.step });
        return;
      }
      this.flush();
      heldSends.set(workflow, {
        id: msg.id,
        op: msg.op,
        sends: [msg.step === undefined ? { event: msg.event } : { event: msg.event, step: msg.step }],
        post: this.post,
      });
      queueMicrotask(() => this.flush());
      return;
    }
    this.flush();
    this.post(msg);
  }

  /**
   * Posts the held `sendEvent`s. They are held per workflow actor, not per invocation, so a message
   * of any invocation posts them first, in both hostings (an actor per invocation, or inline).
   */
  flush(): void {
    const batch = heldSends.get(this.workflow);
    if (!batch) return;
    heldSends.delete(this.workflow);
    const [only] = batch.sends;
    if (batch.sends.length === 1 && only) batch.post({ type: internal.send, id: batch.id, op: batch.op, ...only });
    else batch.post({ type: internal.sendMany, id: batch.id, op: batch.op, sends: batch.sends });
  }

  get runId(): string {
    return this.context().runId;
  }

  context(): RunContext {
    return this.workflow.getSnapshot().context as RunContext;
  }

  wait(
    id: number,
    op: number,
    predicate: ((event: AnyEvent) => boolean) | undefined,
    signal: AbortSignal,
  ): Promise<AnyEvent> {
    const run = find(this.running, id);
    if (predicate) predicatesOf(this.workflow).set(waiterKey(id, op), predicate as (e: unknown) => boolean);
    return new Promise<AnyEvent>((resolve, reject) => {
      if (!run || signal.aborted) return reject(signal.reason ?? new WorkflowCancelledError());
      run.waiters ??= new Map();
      run.waiters.set(op, { resolve, reject });
    });
  }

  checkpoint(): Promise<void> {
    this.flush();
    return bindingOf(this.workflow)?.checkpoint?.() ?? Promise.resolve();
  }

  confirmHold(): Promise<void> {
    return bindingOf(this.workflow)?.confirmHold?.() ?? Promise.resolve();
  }

  forget(id: number, op: number): void {
    find(this.running, id)?.waiters?.delete(op);
    predicatesOf(this.workflow).delete(waiterKey(id, op));
  }
}

/** The `sendEvent`s of one invocation not posted yet, per workflow actor (see `RunConnection.send`). */
const heldSends = new WeakMap<
  AnyActorRef,
  {
    id: number;
    op: number;
    sends: { readonly event: AnyEvent; readonly step?: string }[];
    post: (msg: FromStepMsg) => void;
  }
>();
