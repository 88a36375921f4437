import { buildTopology } from "../compiler/topology.js";
import type { StepContext, WorkflowDefinition } from "../definition/types.js";
import { WorkflowError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { traceRun } from "../inspect/trace.js";
import { peer, required } from "../internal/peers.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import type { TraceEntry } from "../runtime/trace.js";
import { Workflow } from "../runtime/workflow.js";
import { type Coverage, coverageOf } from "./coverage.js";
import { sampleEvent } from "./fixtures.js";
import { HUMAN_EDGE, modelEdges, modelState, toModelMachine } from "./model.js";
import { StubDriver } from "./stubs.js";

// An optional peer: without it this module still loads, and building a model says how to install it.
const graph = await peer(import("@xstate/graph"));

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
 * A model-based test of a workflow's routing on @xstate/graph. Every simple path of
 * {@link toModelMachine} from StartEvent to a StopEvent or a wait for a person is driven against
 * the real runtime, with each step replaced by a stub that waits until the path says what it
 * returns: the path `review/Approved` resolves review's pending invocation with an `Approved`
 * event built from `fixtures.Approved` (or generated from its zod schema). At every state the
 * real run is checked: each step that accepts the event was invoked with it, a prompt is pending,
 * or the run completed with the StopEvent's result.
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
  const timeout = options.timeout ?? 2_000;
  const fixtures = options.fixtures ?? {};
  // The compiler's routing tables: every event definition by type, and which steps accept each.
  const topology = buildTopology(def);
  const defs = topology.eventDefs;
  const eventOf = (type: string): AnyEvent => {
    const d = defs.get(type);
    if (!d) throw new WorkflowError("WORKFLOW_VALIDATION", `No event definition for "${type}"`);
    return sampleEvent(d, fixtures[type]);
  };
  const start = eventOf("StartEvent");
  const stubbed = stubbedWorkflow(def);
  const edges = modelEdges(def);
  const acceptors = (type: string) => topology.acceptors(type);

  const { createTestModel } = required(
    graph,
    "@xstate/graph",
    "stepchart/testing (createWorkflowTestModel)",
    "npm install --save-dev @xstate/graph@3",
  );
  const model = createTestModel(machine);
  // Not `toState`: it stops the traversal at those states, and paths go on past a person's answer.
  const graphPaths = model
    .getSimplePaths()
    .filter((path) => path.state.value === "StopEvent" || path.state.value === "InputRequiredEvent");
  // (neither name has a dot, so their model states are the names themselves)

  const paths = graphPaths.map((graphPath): WorkflowTestPath => {
    const names = graphPath.steps.map((s) => s.event.type).filter((t) => t !== "xstate.init");
    return {
      description: ["StartEvent", ...names].join(" → "),
      edges: names,
      test: async () => {
        const driver = new StubDriver(timeout);
        const { type: _, ...input } = start;
        const handler = stubbed.run(input as never, {
          resources: { [StubDriver.resource]: driver },
        }) as WorkflowHandler<unknown, never>;
        driver.watch(handler.stopEvent);
        let current = "StartEvent";
        const states: Record<string, () => Promise<void>> = {};
        for (const type of defs.keys()) {
          const state = modelState(type);
          if (!(state in (machine.config.states ?? {}))) continue;
          states[state] = async () => {
            current = type;
            if (type === "StopEvent") {
              const result = await withTimeout(handler.result, timeout, "the run to complete");
              const expected = (eventOf("StopEvent") as { result?: unknown }).result;
              if (JSON.stringify(result) !== JSON.stringify(expected))
                throw new Error(`The run completed with ${JSON.stringify(result)}, not ${JSON.stringify(expected)}`);
            } else if (type === "InputRequiredEvent") {
              await driver.until(() => handler.pendingInput.length > 0, "a prompt to be pending");
            } else {
              for (const step of acceptors(type)) await driver.invoked(step, type);
            }
          };
        }
        const events: Record<string, () => Promise<void>> = {};
        for (const edge of edges) {
          events[edge.name] = async () => {
            if (edge.name === HUMAN_EDGE) {
              handler.sendEvent(eventOf("HumanResponseEvent") as never);
              return;
            }
            const emitted = edge.emits === "InputRequiredEvent" ? eventOf("InputRequiredEvent") : eventOf(edge.emits);
            (await driver.invoked(edge.step, current)).resolve(emitted);
          };
        }
        try {
          await graphPath.test({ states, events } as never);
        } finally {
          handler.cancel();
          await handler.catch(() => undefined);
        }
        return traceRun(handler);
      },
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

/** The same definition with every step a stub the driver resolves; no step timeouts, no run timeout. */
function stubbedWorkflow(def: WorkflowDefinition): Workflow {
  return Workflow.fromDefinition({
    ...def,
    timeout: { run: null, whileWaiting: def.timeout.whileWaiting },
    steps: def.steps.map((step) => ({
      ...step,
      timeout: undefined,
      retry: undefined,
      fn: (ctx: StepContext, event: AnyEvent) => StubDriver.of(ctx).call(step.name, event, ctx.signal),
    })),
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
