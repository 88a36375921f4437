import { runRegions, STEP_DONE } from "../compiler/regions.js";
import type { WorkflowDefinition } from "../definition/types.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import { executionMermaid } from "./execution.js";
import { labelledEdge, nodeLabel } from "./mermaid-syntax.js";
import { traceRun } from "./trace.js";

/**
 * A Mermaid flowchart. Of a workflow: the regions of the machine it compiles to, one node per step
 * and a `human` node when the machine has a `human` region, an edge per event type that ends one
 * region and starts another (what a step emits, to each step that accepts it), the start and stop
 * events as rounded terminals, and the human-input round trip (InputRequiredEvent out,
 * HumanResponseEvent back) through the `human` node; events a step only waits for (`awaits`) are
 * dotted edges into it, events that only come from outside (`external`) enter from an `outside`
 * node. Of a run's handler: the most recent
 * execution, one node per step invocation numbered in the order they started, an edge per event
 * that started one (see `traceRun`). Pure: it reads, never runs.
 *
 * @example
 * ```ts
 * import { toMermaid } from "stepchart/inspect";
 * console.log(toMermaid(rag)); // paste into any Mermaid renderer, or a ```mermaid block on GitHub
 * const handler = rag.run({ query: "cats" });
 * await handler;
 * console.log(toMermaid(handler)); // 1. retrieve → 2. synthesise → StopEvent
 * ```
 */
export function toMermaid(
  subject: { readonly definition: WorkflowDefinition } | WorkflowHandler<unknown, never>,
): string {
  if (!("definition" in subject)) return executionMermaid(traceRun(subject));
  const def = subject.definition;
  // The runtime machine's region table: the nodes are its regions, the edges between them the
  // event types that end one region and start another (what the machine's transitions move on).
  const regions = runRegions(def);
  const id = (step: string) => `step_${step.replace(/[^\w]/g, "_")}`;
  const lines = ["flowchart TD", "  start([StartEvent]):::terminal", "  stop([StopEvent]):::terminal"];
  for (const region of regions.steps) lines.push(`  ${id(region.key)}${nodeLabel(region.key)}`);
  if (regions.human) lines.push(`  human{{${regions.human.key}}}:::human`);
  const outside = def.external.filter((d) => d.type !== "HumanResponseEvent");
  if (outside.length > 0) lines.push("  outside((outside)):::outside");

  const edges: string[] = [];
  const edge = (from: string, label: string, to: string, dotted = false) =>
    edges.push(labelledEdge(from, label, to, dotted));
  const startedBy = (type: string) => regions.steps.filter((r) => r.starts.includes(type));
  for (const region of startedBy("StartEvent")) edge("start", "StartEvent", id(region.key));
  for (const step of def.steps) {
    const region = regions.steps.find((r) => r.key === step.name);
    for (const type of region?.ends ?? []) {
      if (type === STEP_DONE) continue;
      if (regions.human?.asks.includes(type)) edge(id(step.name), type, "human");
      for (const target of startedBy(type)) edge(id(step.name), type, id(target.key));
    }
    // A StopEvent moves no region: it takes the run from `running` to `completed`.
    if (step.emits.some((d) => d.type === "StopEvent")) edge(id(step.name), "StopEvent", "stop");
    for (const awaited of step.awaits)
      edge(awaited.type === "HumanResponseEvent" ? "human" : "outside", awaited.type, id(step.name), true);
  }
  if (regions.human)
    for (const region of startedBy("HumanResponseEvent")) edge("human", "HumanResponseEvent", id(region.key));
  for (const d of outside) for (const region of startedBy(d.type)) edge("outside", d.type, id(region.key));
  return [
    ...lines,
    ...[...new Set(edges)],
    "  classDef terminal fill:#eef,stroke:#557",
    "  classDef human fill:#ffe,stroke:#aa5",
    "  classDef outside fill:#eee,stroke:#999",
  ].join("\n");
}
