import type { WorkflowDefinition } from "../definition/types.js";
import { statechartTimeline } from "../inspect/timeline.js";
import type { TraceEntry } from "../runtime/trace.js";
import { exploreRuntime, regionTransitions } from "./explore.js";
import { HUMAN_EDGE, modelEdgeNames, modelTransitionNames } from "./model.js";

/**
 * Which parts of a workflow's model some runs exercised, in the model's order. `covered` and
 * `missing` are edge names (`<step>/<EmittedType>`: a step returned or sent that event;
 * `human/HumanResponseEvent`: a person answered). `transitions` are the runtime machine's region
 * transitions the model takes (`draft: idle → running on StartEvent`, `human: waiting → idle on
 * HumanResponseEvent`, `running → completed on StopEvent`), as the runs' traces show them taken.
 *
 * @example
 * ```ts
 * const report: Coverage = coverageOf(approval, traces);
 * expect(report.missing).toEqual([]);
 * expect(report.transitions.missing).toEqual([]);
 * ```
 */
export interface Coverage {
  readonly covered: string[];
  readonly missing: string[];
  readonly transitions: { readonly covered: string[]; readonly missing: string[] };
}

/** The edge names one trace exercised: events steps returned or sent, and people's answers. */
export function edgesOf(trace: readonly TraceEntry[]): Set<string> {
  const edges = new Set<string>();
  for (const entry of trace) {
    if (entry.kind === "step.finished" && entry.output !== null) edges.add(`${entry.step}/${entry.output}`);
    else if (entry.kind === "event" && entry.source) edges.add(`${entry.source.step}/${entry.type}`);
    else if (entry.kind === "event" && entry.type === "HumanResponseEvent") edges.add(HUMAN_EDGE);
    // A prompt a step sent (not returned) is traced only as the wait it starts.
    else if (entry.kind === "input.waiting" && entry.source) edges.add(`${entry.source.step}/${entry.prompt.type}`);
  }
  return edges;
}

/** The region transitions the runtime machine took in a run, read off its trace (see `statechartTimeline`). */
export function transitionsOf(def: WorkflowDefinition, trace: readonly TraceEntry[]): Set<string> {
  const taken = new Set<string>();
  const moments = statechartTimeline({ definition: def }, trace);
  moments.forEach((moment, i) => {
    const before = moments[i - 1];
    if (before) for (const t of regionTransitions(before.value, moment.value, moment.event)) taken.add(t);
  });
  return taken;
}

/**
 * Transition coverage of your own runs: which `<step>/<EmittedType>` edges of the workflow's
 * model the traced runs exercised (a step returned or sent that event; `human/HumanResponseEvent`
 * when a person answered), which none did, and the same for the region transitions of the
 * runtime machine the model takes. The model is the machine the workflow compiles to, explored
 * with stub steps that return what they declare (see `toModelMachine`): a step of yours that only
 * sends its events and returns nothing leaves its region on its promise's end
 * (`xstate.done.actor.*`), a transition the model does not count. Measure your end-to-end tests
 * with it.
 *
 * @example
 * ```ts
 * import { traceRun } from "stepchart/inspect";
 * import { coverageOf } from "stepchart/testing";
 * const handler = approval.run({ topic: "tea" });
 * // ... answer its prompts, await it ...
 * const { covered, missing } = coverageOf(approval, [traceRun(handler)]);
 * console.log(`not exercised: ${missing.join(", ")}`);
 * ```
 */
export function coverageOf(
  workflow: { readonly definition: WorkflowDefinition },
  traces: readonly (readonly TraceEntry[])[],
): Coverage {
  const def = workflow.definition;
  const graph = exploreRuntime(def);
  const seen = new Set<string>();
  const taken = new Set<string>();
  for (const trace of traces) {
    for (const edge of edgesOf(trace)) seen.add(edge);
    for (const transition of transitionsOf(def, trace)) taken.add(transition);
  }
  const names = modelEdgeNames(graph, def);
  const transitions = modelTransitionNames(graph);
  return {
    covered: names.filter((n) => seen.has(n)),
    missing: names.filter((n) => !seen.has(n)),
    transitions: {
      covered: transitions.filter((t) => taken.has(t)),
      missing: transitions.filter((t) => !taken.has(t)),
    },
  };
}
