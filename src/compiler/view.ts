import type { WorkflowDefinition } from "../definition/types.js";

/** A state node of the view statechart's config (plain JSON). */
export interface ViewStateConfig {
  readonly type?: "parallel" | "final";
  readonly initial?: string;
  readonly description?: string;
  readonly on?: Readonly<Record<string, string>>;
  readonly states?: Readonly<Record<string, ViewStateConfig>>;
}

/** The view statechart's config: plain JSON, importable into Stately's editor. */
export interface ViewStatechartConfig extends ViewStateConfig {
  readonly id: string;
}

/** The event that ends a step's `running` state in the view statechart. */
export function stepDoneEvent(step: string): string {
  return `${step}.done`;
}

/** Whether a workflow has a human round trip (a `human` region in its view). */
export function hasHumanInput(def: WorkflowDefinition): boolean {
  return def.steps.some(
    (s) =>
      s.emits.some((d) => d.type === "InputRequiredEvent") ||
      s.accepts.some((d) => d.type === "HumanResponseEvent") ||
      s.awaits.some((d) => d.type === "HumanResponseEvent"),
  );
}

/**
 * The view statechart of a definition (SPEC §9): a parallel `running` state with one region per
 * step (`idle` → `running` on each event type the step accepts, back on `<step>.done`), a `human`
 * region (`idle` → `waiting` on InputRequiredEvent, back on HumanResponseEvent) when the workflow
 * asks people, and a final `done` reached on StopEvent. One workflow event moves every region
 * that takes it at once, as the runtime delivers it to every step that accepts it.
 */
export function viewStatechartConfig(def: WorkflowDefinition): ViewStatechartConfig {
  const id = def.name.replace(/[^\w-]/g, "_");
  const regions: Record<string, ViewStateConfig> = {};
  for (const step of def.steps) {
    const on: Record<string, string> = {};
    for (const d of step.accepts) on[d.type] = "running";
    const emits = step.emits.map((d) => d.type);
    regions[step.name] = {
      initial: "idle",
      description: `accepts ${step.accepts.map((d) => d.type).join(", ")}${emits.length ? `; emits ${emits.join(", ")}` : ""}`,
      states: { idle: { on }, running: { on: { [stepDoneEvent(step.name)]: "idle" } } },
    };
  }
  if (hasHumanInput(def)) {
    let key = "human";
    for (let n = 2; key in regions; n++) key = `human_${n}`;
    regions[key] = {
      initial: "idle",
      description: "a person answers prompts",
      states: { idle: { on: { InputRequiredEvent: "waiting" } }, waiting: { on: { HumanResponseEvent: "idle" } } },
    };
  }
  return {
    id,
    initial: "running",
    states: {
      running: { type: "parallel", on: { StopEvent: "done" }, states: regions },
      done: { type: "final" },
    },
  };
}
