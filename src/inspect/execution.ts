import type { TraceEntry } from "../runtime/trace.js";
import { labelledEdge, quoted } from "./mermaid-syntax.js";
import { RunReader } from "./run-reader.js";
import { traceMoments } from "./timeline.js";

/**
 * A Mermaid flowchart of one run from its trace: a node per step invocation, numbered in the
 * order they started (`3. review`), an edge per event from the invocation that returned or sent
 * it to each invocation it started, the human round trip through a `human` node, the start and
 * how the run ended as terminals. Failed invocations are styled as such.
 *
 * An invocation started by the machine event that routed its event gets its edge from that
 * event's source (so a targeted `sendEvent` links only the step it went to); one started later,
 * from its step's queue, from the oldest event of its type routed to that step before.
 */
export function executionMermaid(trace: readonly TraceEntry[]): string {
  const lines = ["flowchart TD", "  start([StartEvent]):::terminal"];
  const edges: string[] = [];
  const node = (invocation: number) => `inv_${invocation}`;
  const numbers = new Map<number, number>();
  // Events routed to a step that did not start on them when they came (queued), per step.
  const backlog = new Map<string, { type: string; from: string }[]>();
  const acceptors = acceptorsOf(trace);
  const momentOf = momentIndex(trace);
  // Events routed in the current moment, in order, and which steps started on each.
  let routedNow: { type: string; from: string; takenBy: Set<string> }[] = [];
  const settle = () => {
    for (const routed of routedNow)
      for (const step of acceptors.get(routed.type) ?? [])
        if (!routed.takenBy.has(step)) backlog.set(step, [...(backlog.get(step) ?? []), routed]);
    routedNow = [];
  };
  let human = false;
  trace.forEach((entry, i) => {
    if (i > 0 && momentOf[i] !== momentOf[i - 1]) settle();
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
        routedNow.push({ type: entry.type, from, takenBy: new Set() });
        break;
      }
      case "step.started": {
        if (entry.attempt > 1) break;
        const n = numbers.size + 1;
        numbers.set(entry.invocation, n);
        lines.push(`  ${node(entry.invocation)}[${quoted(`${n}. ${entry.step}`)}]`);
        const now = routedNow.findLast((e) => e.type === entry.event && !e.takenBy.has(entry.step));
        if (now) now.takenBy.add(entry.step);
        const queued = backlog.get(entry.step) ?? [];
        const at = now ? -1 : queued.findIndex((e) => e.type === entry.event);
        const taken = now ?? (at >= 0 ? queued.splice(at, 1)[0] : undefined);
        if (taken) edges.push(labelledEdge(taken.from, entry.event, node(entry.invocation)));
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
  });
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

/** The moment (see `traceMoments`) each trace entry belongs to, by entry index. */
function momentIndex(trace: readonly TraceEntry[]): number[] {
  const index: number[] = [];
  traceMoments(trace, new RunReader(undefined, trace)).forEach((moment, m) => {
    for (let i = moment.at; i < moment.at + moment.entries; i++) index[i] = m;
  });
  return index;
}
