import { createMachine } from "xstate";
import type { WorkflowDefinition } from "../definition/types.js";

/** One edge of a workflow's model: `<step>/<EmittedType>`, or `human/HumanResponseEvent`. */
export interface ModelEdge {
  /** `"<step>/<EmittedType>"`: the model machine's event type. */
  readonly name: string;
  /** The step that emits (`"human"` for a person's answer). */
  readonly step: string;
  /** The event type it emits (the state it leads to). */
  readonly emits: string;
  /** The event type the step accepted (the state it leaves). */
  readonly from: string;
}

/** The human round trip's edge: a person answers an InputRequiredEvent. */
export const HUMAN_EDGE = "human/HumanResponseEvent";

/**
 * The edges of a workflow's model: from each event type, one per (step that accepts it × event
 * type that step emits), and a person's answer from InputRequiredEvent.
 */
export function modelEdges(def: WorkflowDefinition): ModelEdge[] {
  const edges: ModelEdge[] = [];
  const seen = new Set<string>();
  const add = (edge: ModelEdge) => {
    const key = `${edge.from}|${edge.name}`;
    if (seen.has(key)) return;
    seen.add(key);
    edges.push(edge);
  };
  for (const step of def.steps)
    for (const accepted of step.accepts)
      for (const emitted of step.emits)
        add({ name: `${step.name}/${emitted.type}`, step: step.name, emits: emitted.type, from: accepted.type });
  if (
    edges.some((e) => e.emits === "InputRequiredEvent") ||
    def.steps.some((s) => s.accepts.some((d) => d.type === "HumanResponseEvent"))
  )
    add({ name: HUMAN_EDGE, step: "human", emits: "HumanResponseEvent", from: "InputRequiredEvent" });
  return edges;
}

/**
 * The model state of an event type. XState reads a `.` in a state name as a path, and event types
 * may have one (`order.created`): it becomes `·`.
 */
export function modelState(type: string): string {
  return type.replaceAll(".", "·");
}

/** The model machine's config: plain JSON, like the view statechart's. */
export function modelMachineConfig(def: WorkflowDefinition) {
  const edges = modelEdges(def);
  const states: Record<string, { type?: "final"; on?: Record<string, string> }> = { StartEvent: {} };
  for (const edge of edges) {
    states[modelState(edge.from)] ??= {};
    states[modelState(edge.emits)] ??= {};
  }
  for (const edge of edges) {
    const state = states[modelState(edge.from)] as { on?: Record<string, string> };
    state.on = { ...state.on, [edge.name]: modelState(edge.emits) };
  }
  if (states.StopEvent) states.StopEvent = { type: "final" };
  return { id: `${def.name.replace(/[^\w-]/g, "_")}-model`, initial: "StartEvent", states };
}

/**
 * The workflow as a model for `@xstate/graph`: one state per event type (the run has just
 * produced an event of that type), one transition per `<step>/<EmittedType>` from each type the
 * step accepts, a person's answer `human/HumanResponseEvent` from InputRequiredEvent, and
 * StopEvent final. Sequential flows: interleavings of concurrent steps are not enumerated.
 *
 * @example
 * ```ts
 * import { createTestModel } from "@xstate/graph";
 * const model = createTestModel(toModelMachine(approval));
 * for (const path of model.getSimplePaths()) console.log(path.description);
 * ```
 */
export function toModelMachine(workflow: { readonly definition: WorkflowDefinition; validate(): void }) {
  workflow.validate();
  return createMachine(modelMachineConfig(workflow.definition));
}
