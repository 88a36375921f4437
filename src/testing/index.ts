/**
 * `stepchart/testing`: model-based tests of a workflow on @xstate/graph, the model being the
 * machine the workflow compiles to, explored with XState's pure `transition()`; and coverage of
 * that machine's transitions by your own runs.
 *
 * @module
 */
export { type Coverage, coverageOf } from "./coverage.js";
export { toModelMachine } from "./model.js";
export {
  createWorkflowTestModel,
  type WorkflowTestModelOptions,
  type WorkflowTestPath,
  type WorkflowTestReport,
} from "./test-model.js";
