/**
 * `stepchart/inspect`: seeing workflows. Run traces, drawings of a definition or of a run, and
 * the bridge to the Stately inspector.
 *
 * @module
 */
export { toMermaid } from "./mermaid.js";
export { formatTraceEntry, type TraceEntry, type TraceSource, traceRun } from "./trace.js";
