import type { WorkflowDefinition } from "../definition/types.js";
import type { TraceEntry } from "../runtime/trace.js";
import { HUMAN_EDGE, modelEdges } from "./model.js";

/**
 * Which edges of a workflow's model some runs exercised: `covered` and `missing` edge names
 * (`<step>/<EmittedType>`, `human/HumanResponseEvent`), in the model's order.
 *
 * @example
 * ```ts
 * const report: Coverage = coverageOf(approval, traces);
 * expect(report.missing).toEqual([]);
 * ```
 */
export interface Coverage {
  readonly covered: string[];
  readonly missing: string[];
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

/**
 * Transition coverage of your own runs: which `<step>/<EmittedType>` edges of the workflow's
 * model the traced runs exercised (a step returned or sent that event; `human/HumanResponseEvent`
 * when a person answered), and which none did. Measure your end-to-end tests with it.
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
  const seen = new Set<string>();
  for (const trace of traces) for (const edge of edgesOf(trace)) seen.add(edge);
  const names = [...new Set(modelEdges(workflow.definition).map((e) => e.name))];
  return { covered: names.filter((n) => seen.has(n)), missing: names.filter((n) => !seen.has(n)) };
}
