/**
 * `stepchart/inspect`: seeing workflows. Run traces, what the machine's regions did in a run,
 * drawings of a definition or of a run (Mermaid text, or self-contained HTML pages), and the
 * bridge to the Stately inspector.
 *
 * @module
 */
export { drawAllPossibleFlows, drawMostRecentExecution } from "./draw.js";
export { toMermaid } from "./mermaid.js";
export {
  type StatelyInspector,
  type StatelyInspectorLike,
  type StatelyInspectorOptions,
  statelyInspector,
} from "./stately.js";
export { type StatechartMoment, type StatechartValue, statechartTimeline } from "./timeline.js";
export { formatTraceEntry, type TraceEntry, type TraceSource, traceRun } from "./trace.js";
