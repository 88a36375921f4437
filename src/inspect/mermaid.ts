import { hasHumanInput } from "../compiler/view.js";
import type { WorkflowDefinition } from "../definition/types.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import { executionMermaid } from "./execution.js";
import { labelledEdge, nodeLabel } from "./mermaid-syntax.js";
import { traceRun } from "./trace.js";

/**
 * A Mermaid flowchart. Of a workflow: its definition, one node per step, an edge per event a step
 * emits to each step that accepts it, the start and stop events as rounded terminals, and the
 * human-input round trip (InputRequiredEvent out, HumanResponseEvent back) through a `human` node;
 * events a step only waits for (`awaits`) are dotted edges into it, events that only come from
 * outside (`external`) enter from an `outside` node. Of a run's handler: the most recent
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
  const id = (step: string) => `step_${step.replace(/[^\w]/g, "_")}`;
  const acceptors = new Map<string, string[]>();
  for (const step of def.steps)
    for (const d of step.accepts) acceptors.set(d.type, [...(acceptors.get(d.type) ?? []), step.name]);
  const lines = ["flowchart TD", "  start([StartEvent]):::terminal", "  stop([StopEvent]):::terminal"];
  for (const step of def.steps) lines.push(`  ${id(step.name)}${nodeLabel(step.name)}`);
  // The same test as the view statechart's human region (a step that only awaits an answer has one too).
  if (hasHumanInput(def)) lines.push("  human{{human}}:::human");
  const outside = def.external.filter((d) => d.type !== "HumanResponseEvent");
  if (outside.length > 0) lines.push("  outside((outside)):::outside");

  const edges: string[] = [];
  const edge = (from: string, label: string, to: string, dotted = false) =>
    edges.push(labelledEdge(from, label, to, dotted));
  for (const step of acceptors.get("StartEvent") ?? []) edge("start", "StartEvent", id(step));
  for (const step of def.steps) {
    for (const emitted of step.emits) {
      if (emitted.type === "StopEvent") edge(id(step.name), "StopEvent", "stop");
      else if (emitted.type === "InputRequiredEvent") edge(id(step.name), "InputRequiredEvent", "human");
      for (const target of acceptors.get(emitted.type) ?? []) edge(id(step.name), emitted.type, id(target));
    }
    for (const awaited of step.awaits)
      edge(awaited.type === "HumanResponseEvent" ? "human" : "outside", awaited.type, id(step.name), true);
  }
  for (const step of acceptors.get("HumanResponseEvent") ?? []) edge("human", "HumanResponseEvent", id(step));
  for (const d of outside) for (const step of acceptors.get(d.type) ?? []) edge("outside", d.type, id(step));
  return [
    ...lines,
    ...[...new Set(edges)],
    "  classDef terminal fill:#eef,stroke:#557",
    "  classDef human fill:#ffe,stroke:#aa5",
    "  classDef outside fill:#eee,stroke:#999",
  ].join("\n");
}
