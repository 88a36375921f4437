import { WorkflowValidationError } from "../errors.js";
import { StartEvent, StopEvent } from "../events/built-ins.js";
import type { AnyEventDef } from "../events/types.js";
import { schemaProblem } from "../events/zod-schema.js";
import { DEFAULT_SHAPE } from "./shape.js";
import type { AnyStepFn, StepDefinition, StepOptions, WorkflowDefinition, WorkflowOptions } from "./types.js";

const DEFAULT_TIMEOUT = 45_000;
const DEFAULT_WORKERS = 4;

/** @internal Normalises workflow options into a definition with no steps yet. */
export function createDefinition(options: WorkflowOptions = {}): WorkflowDefinition {
  const timeout = options.timeout === undefined ? DEFAULT_TIMEOUT : options.timeout;
  const run = typeof timeout === "object" && timeout !== null ? timeout.run : timeout;
  const whileWaiting = typeof timeout === "object" && timeout !== null ? timeout.whileWaiting !== false : true;
  const problems: string[] = [];
  if (run !== null && !(typeof run === "number" && run > 0)) {
    problems.push(`option \`timeout\` must be a positive number of ms or null, got ${String(run)}`);
  }
  if (options.start && options.start.type !== "StartEvent") {
    problems.push(`option \`start\` must be a start event (startEvent(...)), got "${options.start.type}"`);
  }
  if (options.shape !== undefined && options.shape !== "statechart" && options.shape !== "compact") {
    problems.push(`option \`shape\` must be "statechart" or "compact", got ${JSON.stringify(options.shape)}`);
  }
  if (options.stop && options.stop.type !== "StopEvent") {
    problems.push(`option \`stop\` must be a stop event (stopEvent(...)), got "${options.stop.type}"`);
  }
  const stateProblem = options.state === undefined ? undefined : schemaProblem("option `state`", options.state);
  if (stateProblem) problems.push(stateProblem);
  if (problems.length > 0) throw new WorkflowValidationError(problems, "Invalid workflow options");
  return Object.freeze({
    name: options.name ?? "workflow",
    start: options.start ?? StartEvent,
    stop: options.stop ?? StopEvent,
    state: options.state,
    timeout: Object.freeze({ run, whileWaiting }),
    resources: Object.freeze({ ...(options.resources ?? {}) }) as Readonly<Record<string, unknown>>,
    snapshotSecret: options.snapshotSecret,
    external: Object.freeze([...(options.external ?? [])]),
    verbose: options.verbose ?? false,
    shape: options.shape ?? DEFAULT_SHAPE,
    steps: Object.freeze([]),
  });
}

/** @internal Normalises one step's options. Structural problems are left to `validate`. */
export function createStep(name: string, options: StepOptions, fn: AnyStepFn): StepDefinition {
  const accepts: readonly AnyEventDef[] = Array.isArray(options.accepts)
    ? options.accepts
    : [options.accepts as AnyEventDef];
  return Object.freeze({
    name,
    accepts: Object.freeze([...accepts]),
    emits: Object.freeze([...(options.emits ?? [])]),
    awaits: Object.freeze([...(options.awaits ?? [])]),
    numWorkers: options.numWorkers ?? DEFAULT_WORKERS,
    retry: options.retry,
    timeout: options.timeout,
    onRestore: options.onRestore ?? "rerun",
    fn,
  });
}

/** @internal A new definition with `step` appended. */
export function withStep(definition: WorkflowDefinition, step: StepDefinition): WorkflowDefinition {
  return Object.freeze({ ...definition, steps: Object.freeze([...definition.steps, step]) });
}
