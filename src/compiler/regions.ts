import type { WorkflowDefinition } from "../definition/types.js";
import { internal } from "../kernel/protocol.js";

/** The event of a step's promise actor that resolved with nothing returned (any invocation). */
export const STEP_DONE = "xstate.done.actor.*";

/** One step's region: `idle` → `running` on an event it accepts, back when its last invocation ends. */
export interface StepRegion {
  /** The region's key: the step's name. */
  readonly key: string;
  /** Event types that can start an invocation (the types the step accepts). */
  readonly starts: readonly string[];
  /** Event types that can end its last invocation: what it returns, or its promise's end. */
  readonly ends: readonly string[];
  readonly description: string;
}

/** The `human` region: `waiting` exactly while a prompt is pending. */
export interface HumanRegion {
  readonly key: string;
  /** Event types that can leave a prompt pending. */
  readonly asks: readonly string[];
  /** Event types that can answer or withdraw the last pending prompt. */
  readonly answers: readonly string[];
}

/** The parallel regions of a workflow's `running` state: the runtime machine and its drawings read this. */
export interface RunRegions {
  readonly steps: readonly StepRegion[];
  readonly human: HumanRegion | null;
}

/**
 * Whether a workflow can ask a person (and so has a `human` region): a step emits
 * `InputRequiredEvent` (returned, sent, or as a `waitForEvent` prompt, which `emits` must declare
 * too), or takes `HumanResponseEvent`.
 */
export function hasHumanInput(def: WorkflowDefinition): boolean {
  return def.steps.some(
    (s) =>
      s.emits.some((d) => d.type === "InputRequiredEvent") ||
      s.accepts.some((d) => d.type === "HumanResponseEvent") ||
      s.awaits.some((d) => d.type === "HumanResponseEvent"),
  );
}

/**
 * The regions of a definition. A StopEvent changes no region (the run leaves `running` with it),
 * so it is in no table: a region transition on it would hide the run's own transition to
 * `completed` (XState asks a parallel state's own transitions only when no region takes the event).
 */
export function runRegions(def: WorkflowDefinition): RunRegions {
  const routed = new Set<string>();
  const steps = def.steps.map((step): StepRegion => {
    const accepts = step.accepts.map((d) => d.type);
    const emits = step.emits.map((d) => d.type);
    for (const type of [...accepts, ...emits, ...step.awaits.map((d) => d.type)]) routed.add(type);
    return {
      key: step.name,
      starts: accepts.filter((t) => t !== "StopEvent"),
      ends: [...emits.filter((t) => t !== "StopEvent"), STEP_DONE],
      description: `accepts ${accepts.join(", ")}${emits.length ? `; emits ${emits.join(", ")}` : ""}`,
    };
  });
  for (const d of def.external) routed.add(d.type);
  if (!hasHumanInput(def)) return { steps, human: null };
  let key = "human";
  for (let n = 2; steps.some((s) => s.key === key); n++) key = `human_${n}`;
  routed.add("HumanResponseEvent");
  routed.delete("StopEvent");
  routed.delete("StartEvent");
  const answers = [...routed, STEP_DONE, internal.retry, internal.unwait, internal.resumeWait];
  return { steps, human: { key, asks: ["InputRequiredEvent"], answers } };
}

/**
 * The value an active run of the statechart shape has, given its context: each step's region is
 * `running` exactly while it has an invocation in flight, `human` `waiting` exactly while a prompt
 * is pending. A snapshot whose value says otherwise was not made by this machine.
 */
export function regionValueOf(
  regions: RunRegions,
  context: { readonly slots: object; readonly pending: readonly unknown[] },
): { running: Record<string, string> } {
  const running: Record<string, string> = {};
  for (const region of regions.steps) running[region.key] = region.key in context.slots ? "running" : "idle";
  if (regions.human) running[regions.human.key] = context.pending.length > 0 ? "waiting" : "idle";
  return { running };
}
