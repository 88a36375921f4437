/**
 * `stepchart/testing`: model-based tests of a workflow on @xstate/graph, the model being the
 * machine the workflow compiles to, explored with XState's pure `transition()`; and coverage of
 * that machine's transitions by your own runs; and a manual clock, so a test of timeouts and retry
 * delays does not wait for them.
 *
 * @module
 */
export { type Coverage, coverageOf } from "./coverage.js";
export { type ManualClock, type ManualClockOptions, useManualClock } from "./manual-clock.js";
export { toModelMachine } from "./model.js";
export {
  createWorkflowTestModel,
  type WorkflowTestModelOptions,
  type WorkflowTestPath,
  type WorkflowTestReport,
} from "./test-model.js";
