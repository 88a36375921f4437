/**
 * `stepchart/testing`: model-based tests of a workflow's transitions on @xstate/graph, and
 * transition coverage of your own runs.
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
