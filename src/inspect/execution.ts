import type { TraceEntry } from "../runtime/trace.js";
import { labelledEdge, quoted } from "./mermaid-syntax.js";

/**
 * A Mermaid flowchart of one run from its trace: a node per step invocation, numbered in the
 * order they started (`3. review`), an edge per event from the invocation that returned or sent
 * it to each invocation it started, the human round trip through a `human` node, the start and
 * how the run ended as terminals. Failed invocations are styled as such.
 */
export function executionMermaid(trace: readonly TraceEntry[]): string {
  const lines = ["flowchart TD", "  start([StartEvent]):::terminal"];
  const edges: string[] = [];
  const node = (invocation: number) => `inv_${invocation}`;
  const numbers = new Map<number, number>();
  // Events routed but not yet taken, per step (a step takes its events in order).
  const waiting = new Map<string, { type: string; from: string }[]>();
  let human = false;
  const routed = (type: string, from: string, acceptors: Iterable<string>) => {
    for (const step of acceptors) {
      const list = waiting.get(step) ?? [];
      list.push({ type, from });
      waiting.set(step, list);
    }
  };
  const acceptors = acceptorsOf(trace);
  for (const entry of trace) {
    switch (entry.kind) {
      case "event": {
        const from = entry.source
          ? node(entry.source.invocation)
          : entry.type === "HumanResponseEvent"
            ? "human"
            : entry.type === "StartEvent"
              ? "start"
              : "outside";
        if (from === "outside" && !lines.includes("  outside((outside)):::outside"))
          lines.push("  outside((outside)):::outside");
        routed(entry.type, from, acceptors.get(entry.type) ?? []);
        break;
      }
      case "step.started": {
        if (entry.attempt > 1) break;
        const n = numbers.size + 1;
        numbers.set(entry.invocation, n);
        lines.push(`  ${node(entry.invocation)}[${quoted(`${n}. ${entry.step}`)}]`);
        const list = waiting.get(entry.step) ?? [];
        const i = list.findIndex((e) => e.type === entry.event);
        if (i >= 0) {
          const [taken] = list.splice(i, 1);
          edges.push(labelledEdge(taken?.from ?? "start", entry.event, node(entry.invocation)));
        }
        break;
      }
      case "step.finished":
        if (entry.output === "StopEvent") edges.push(labelledEdge(node(entry.invocation), "StopEvent", "stop"));
        break;
      case "step.failed":
        lines.push(`  class ${node(entry.invocation)} failed`);
        break;
      case "input.waiting":
        human = true;
        edges.push(labelledEdge(entry.source ? node(entry.source.invocation) : "start", entry.prompt.type, "human"));
        break;
      case "run.ended":
        lines.push(
          entry.status === "completed" ? "  stop([StopEvent]):::terminal" : `  stop([${entry.terminal.type}]):::ended`,
        );
        if (entry.status !== "completed") {
          const last = [...numbers.keys()].at(-1);
          edges.push(`  ${last === undefined ? "start" : node(last)} -.-> stop`);
        }
        break;
    }
  }
  if (human) lines.splice(2, 0, "  human{{human}}:::human");
  return [
    ...lines,
    ...edges,
    "  classDef terminal fill:#eef,stroke:#557",
    "  classDef human fill:#ffe,stroke:#aa5",
    "  classDef outside fill:#eee,stroke:#999",
    "  classDef ended fill:#fee,stroke:#a55",
    "  classDef failed fill:#fdd,stroke:#c33",
  ].join("\n");
}

/** Which steps took each event type in this run (from the steps started on it). */
function acceptorsOf(trace: readonly TraceEntry[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const entry of trace) {
    if (entry.kind !== "step.started") continue;
    const set = out.get(entry.event) ?? new Set<string>();
    set.add(entry.step);
    out.set(entry.event, set);
  }
  return out;
}
