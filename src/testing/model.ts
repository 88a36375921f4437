import { createMachine } from "xstate";
import type { WorkflowDefinition } from "../definition/types.js";
import { exploreRuntime, type RuntimeGraph } from "./explore.js";

/** The human round trip's edge: a person answers a pending prompt. */
export const HUMAN_EDGE = "human/HumanResponseEvent";

/** A state of the model machine's config (plain JSON). */
interface ModelStateConfig {
  type?: "final";
  on?: Record<string, string>;
  /** The runtime machine's value in this state. */
  meta?: { value: unknown };
}

/**
 * The `<step>/<EmittedType>` edges of a workflow's model, each once, in the definition's order
 * (steps, then what each emits), a person's answer last.
 */
export function modelEdgeNames(graph: RuntimeGraph, def: WorkflowDefinition): string[] {
  const rank = new Map<string, number>();
  def.steps.forEach((step, i) => {
    step.emits.forEach((d, j) => {
      rank.set(`${step.name}/${d.type}`, i * 1_000 + j);
    });
  });
  const names = [...new Set(graph.edges.map((e) => e.name))];
  return names.sort((a, b) => (rank.get(a) ?? Number.MAX_SAFE_INTEGER) - (rank.get(b) ?? Number.MAX_SAFE_INTEGER));
}

/** The runtime machine's region transitions the model takes, each once, region by region. */
export function modelTransitionNames(graph: RuntimeGraph): string[] {
  const regions = [...graph.regions.steps.map((r) => r.key), ...(graph.regions.human ? [graph.regions.human.key] : [])];
  const rank = (name: string) => {
    const i = regions.findIndex((r) => name.startsWith(`${r}: `));
    return i < 0 ? regions.length : i;
  };
  const names = [...new Set([...graph.start, ...graph.edges.flatMap((e) => e.transitions)])];
  return names
    .map((name, i) => ({ name, i }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.i - b.i)
    .map((x) => x.name);
}

/** The model machine's config: plain JSON, like the drawing's. */
export function modelMachineConfig(def: WorkflowDefinition) {
  const graph = exploreRuntime(def);
  const states: Record<string, ModelStateConfig> = {};
  for (const state of graph.states.values()) {
    states[state.name] = {
      ...(state.name === "completed" ? { type: "final" as const } : {}),
      meta: { value: state.value },
    };
  }
  for (const edge of graph.edges) {
    const state = states[edge.from] as ModelStateConfig;
    state.on = { ...state.on, [edge.event]: edge.to };
  }
  return { id: `${def.name.replace(/[^\w-]/g, "_")}-model`, initial: graph.initial, states };
}

/**
 * The workflow as a model for `@xstate/graph`, made by running the machine the workflow
 * compiles to (the statechart shape) with XState's pure `transition()`: nothing runs, no step
 * body, no actor. A state is a state of that machine, named by what is in flight, queued and
 * asked (`draft(StartEvent)`: an invocation of draft on the start event; `human`: a prompt waits
 * for a person; `completed`, final), with the machine's value in its `meta`. A transition is a
 * machine event the runtime would take there: `<step>/<EmittedType>`, an invocation of the step
 * returning that event, or `human/HumanResponseEvent`, a person's answer. Steps running at once
 * are interleaved every way; the model starts where the run's start event has been taken.
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
