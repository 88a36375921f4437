import { buildTopology } from "../compiler/topology.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { WorkflowError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { peer, required } from "../internal/peers.js";
import type { TraceEntry } from "../runtime/trace.js";
import { type Coverage, coverageOf } from "./coverage.js";
import { drivePath } from "./drive.js";
import { exploreRuntime } from "./explore.js";
import { sampleEvent } from "./fixtures.js";
import { toModelMachine } from "./model.js";
import { stubbedWorkflow } from "./stubs.js";

// An optional peer: without it this module still loads, and building a model says how to install it.
const graphModule = await peer(import("@xstate/graph"));

/**
 * Options of {@link createWorkflowTestModel}.
 *
 * @example
 * ```ts
 * const options: WorkflowTestModelOptions = {
 *   fixtures: { StartEvent: { topic: "tea" }, HumanResponseEvent: { response: "yes" } },
 *   timeout: 2_000,
 * };
 * ```
 */
export interface WorkflowTestModelOptions {
  /** Fields per event type (`StartEvent` is the run input); the rest are generated from the zod schemas. */
  readonly fixtures?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** Milliseconds to wait for the runtime to do what a path expects next. @default 2000 */
  readonly timeout?: number;
}

/**
 * One path of the model, from StartEvent to a StopEvent or a wait for a person.
 *
 * @example
 * ```ts
 * for (const path of model.paths) it(path.description, () => path.test());
 * ```
 */
export interface WorkflowTestPath {
  /** `StartEvent → draft/InputRequiredEvent → human/HumanResponseEvent → review/StopEvent` */
  readonly description: string;
  /** The edges the path takes, in order. */
  readonly edges: readonly string[];
  /** Drives the path against the real runtime with stub steps; rejects on the first mismatch. Resolves to the run's trace. */
  test(): Promise<TraceEntry[]>;
}

/**
 * What `testAllPaths()` resolves to: the paths that passed and failed, and which edges of the
 * model the passing runs covered.
 *
 * @example
 * ```ts
 * const report: WorkflowTestReport = await model.testAllPaths();
 * expect(report.failed).toEqual([]);
 * expect(report.coverage.missing).toEqual([]);
 * ```
 */
export interface WorkflowTestReport {
  readonly passed: { readonly description: string; readonly edges: readonly string[] }[];
  readonly failed: { readonly description: string; readonly edges: readonly string[]; readonly error: Error }[];
  readonly coverage: Coverage;
}

/**
 * A model-based test of a workflow on @xstate/graph. The model is the machine the workflow
 * compiles to, explored with XState's pure `transition()` ({@link toModelMachine}): every simple
 * path of it from the start to the run's completion, or to a state where only a person can move
 * it on, is driven against the real runtime, with each step replaced by a stub that waits until
 * the path says what it returns: the path's `review/Approved` resolves review's pending invocation
 * with an `Approved` event built from `fixtures.Approved` (or generated from its zod schema). At
 * every state the real run is checked against the machine: the same invocations in flight (step
 * and the event each started on), the same number of prompts pending, or the run completed with
 * the StopEvent's result.
 *
 * @example
 * ```ts
 * import { createWorkflowTestModel } from "stepchart/testing";
 * const model = createWorkflowTestModel(approval, { fixtures: { StartEvent: { topic: "tea" } } });
 * const { passed, failed, coverage } = await model.testAllPaths();
 * expect(failed).toEqual([]);
 * expect(coverage.missing).toEqual([]); // every step/EmittedEvent edge ran
 * ```
 */
export function createWorkflowTestModel(
  workflow: { readonly definition: WorkflowDefinition; validate(): void },
  options: WorkflowTestModelOptions = {},
): { paths: WorkflowTestPath[]; testAllPaths(): Promise<WorkflowTestReport> } {
  const def = workflow.definition;
  const machine = toModelMachine(workflow);
  const graph = exploreRuntime(def);
  const timeout = options.timeout ?? 2_000;
  const fixtures = options.fixtures ?? {};
  const defs = buildTopology(def).eventDefs;
  const eventOf = (type: string): AnyEvent => {
    const d = defs.get(type);
    if (!d) throw new WorkflowError("WORKFLOW_VALIDATION", `No event definition for "${type}"`);
    return sampleEvent(d, fixtures[type]);
  };
  const start = eventOf("StartEvent");
  const stubbed = stubbedWorkflow(def);

  const { createTestModel } = required(
    graphModule,
    "@xstate/graph",
    "stepchart/testing (createWorkflowTestModel)",
    "npm install --save-dev @xstate/graph@3",
  );
  const ends = (name: string) => {
    const state = graph.states.get(name);
    return name === "completed" || (state?.rests === true && state.pending > 0);
  };
  // Not `toState`: it stops the traversal at those states, and paths go on past a person's answer.
  const graphPaths = createTestModel(machine)
    .getSimplePaths()
    .filter((path) => ends(String(path.state.value)));

  const paths = graphPaths.map((graphPath): WorkflowTestPath => {
    const names = graphPath.steps.map((s) => s.event.type).filter((t) => t !== "xstate.init");
    return {
      description: ["StartEvent", ...names].join(" → "),
      edges: names,
      test: () => drivePath(graphPath, { def, graph, stubbed, start, eventOf, timeout }),
    };
  });

  return {
    paths,
    async testAllPaths() {
      const passed: WorkflowTestReport["passed"] = [];
      const failed: WorkflowTestReport["failed"] = [];
      const traces: TraceEntry[][] = [];
      for (const path of paths) {
        try {
          traces.push(await path.test());
          passed.push({ description: path.description, edges: path.edges });
        } catch (error) {
          failed.push({
            description: path.description,
            edges: path.edges,
            error: error instanceof Error ? error : new Error(String(error)),
          });
        }
      }
      return { passed, failed, coverage: coverageOf(workflow, traces) };
    },
  };
}
