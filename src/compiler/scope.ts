import type { AnyActorRef } from "xstate";
import type { MachineShape } from "../definition/shape.js";
import type { WorkflowDefinition } from "../definition/types.js";
import type { AnyEvent } from "../events/types.js";
import { bindingOfInput, bindRun } from "../execution/bindings.js";
import type { StepActorsMode } from "../execution/hosting.js";
import type { StepEnvironment } from "../execution/invoker.js";
import type { StepActorFactory } from "../execution/step-actor.js";
import { randomUuid } from "../internal/random.js";
import { now } from "../internal/timer.js";
import { EMPTY_RECORD, type RunContext } from "../kernel/context.js";
import { initialState } from "../kernel/incoming.js";
import type { CompiledTopology } from "./topology.js";

/**
 * Options of `wf.toMachine()`.
 *
 * @example
 * ```ts
 * const machine = rag.toMachine({ resources: { index } });
 * const answer = await toPromise(createActor(machine, { input: { query: "cats" } }).start());
 * ```
 */
export interface ToMachineOptions {
  /** Resources for every actor of this machine (merged over the workflow's defaults). */
  readonly resources?: Readonly<Record<string, unknown>>;
  /** The machine's shape. @default the workflow's `shape` ("statechart" unless it says otherwise) */
  readonly shape?: MachineShape;
  /**
   * Compact shape only: whether each step invocation runs as its own XState actor (`src` = the
   * step name, id `step:n`). `"auto"` (the default) does so when the actor system has an
   * inspector, and runs invocations inside the workflow actor otherwise. The statechart shape
   * always runs each invocation as a promise actor.
   */
  readonly stepActors?: StepActorsMode;
  /** @internal Compact shape: replaces the step actor logic (a durable backend's seam); implies `stepActors: "always"`. */
  readonly stepActor?: StepActorFactory;
}

/** What one compile of one definition shares between its parts. */
export interface CompileScope {
  readonly def: WorkflowDefinition;
  readonly options: ToMachineOptions;
  readonly topology: CompiledTopology;
  readonly env: StepEnvironment;
  readonly machineId: string;
}

/**
 * The machine's context factory: a run's input (its start event's fields, validated here unless
 * `wf.run()` did) and the binding a run attached to it.
 */
export function runContextFactory(def: WorkflowDefinition) {
  const runTimeout = def.timeout.run;
  return ({ input, self }: { input: unknown; self: AnyActorRef }): RunContext => {
    const binding = bindingOfInput(input);
    if (binding) bindRun(self, binding);
    const fields = input && typeof input === "object" ? { ...(input as object) } : {};
    const start = binding?.start ?? (def.start.parse({ ...fields, type: "StartEvent" }) as AnyEvent);
    return {
      runId: binding?.runId ?? randomUuid(),
      start,
      state: initialState(def),
      slots: EMPTY_RECORD,
      inflight: [],
      buffers: EMPTY_RECORD,
      waiters: [],
      pending: [],
      held: [],
      clock: { deadline: runTimeout === null ? null : now() + runTimeout, remaining: null },
      seq: 0,
      recent: [],
      outcome: null,
    };
  };
}
