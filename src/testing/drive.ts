import type { WorkflowDefinition } from "../definition/types.js";
import type { AnyEvent } from "../events/types.js";
import { RunReader } from "../inspect/run-reader.js";
import { traceRun } from "../inspect/trace.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import type { TraceEntry } from "../runtime/trace.js";
import type { Workflow } from "../runtime/workflow.js";
import type { RuntimeGraph, RuntimeState } from "./explore.js";
import { HUMAN_EDGE } from "./model.js";
import { StubDriver } from "./stubs.js";

/** What driving one path needs. */
export interface DriveScope {
  readonly def: WorkflowDefinition;
  readonly graph: RuntimeGraph;
  /** The workflow with stub steps. */
  readonly stubbed: Workflow;
  readonly start: AnyEvent;
  eventOf(type: string): AnyEvent;
  readonly timeout: number;
}

/** A path as @xstate/graph gives it: `test` calls `events[type]` for each step, then `states[name]`. */
interface GraphPath {
  test(params: {
    states: Record<string, () => Promise<void>>;
    events: Record<string, () => Promise<void>>;
  }): Promise<unknown>;
}

/** Where a live run is, as the model names states: its invocations in flight and its prompts. */
function whereIs(def: WorkflowDefinition, trace: readonly TraceEntry[]) {
  const reader = new RunReader(def, trace);
  let finished = 0;
  let answers = 0;
  for (const entry of trace) {
    reader.read(entry);
    if (entry.kind === "step.finished") finished++;
    else if (entry.kind === "event" && entry.source === null && entry.type === "HumanResponseEvent") answers++;
  }
  const rank = new Map(def.steps.map((s, i) => [s.name, i]));
  const inflight = reader.inflight
    .sort((a, b) => (rank.get(a.step) ?? 0) - (rank.get(b.step) ?? 0) || a.event.localeCompare(b.event))
    .map((inv) => `${inv.step}(${inv.event})`);
  const pending = reader.pending;
  const text = [...inflight, ...(pending > 0 ? [`${pending} pending prompt${pending > 1 ? "s" : ""}`] : [])];
  return { inflight, pending, finished, answers, ended: reader.ended, text: text.join(" + ") || "nothing in flight" };
}

/**
 * Drives one path of the model against the real runtime: a run of the stubbed workflow, each
 * edge resolving the invocation it names (or sending a person's answer), each state checked
 * against the run's trace. Resolves to the run's trace.
 */
export async function drivePath(path: GraphPath, scope: DriveScope): Promise<TraceEntry[]> {
  const { def, graph, timeout } = scope;
  const driver = new StubDriver(timeout);
  const { type: _, ...input } = scope.start;
  const handler = scope.stubbed.run(input as never, {
    resources: { [StubDriver.resource]: driver },
  }) as WorkflowHandler<unknown, never>;
  driver.watch(handler.stopEvent);
  let current = graph.initial;
  // How many invocations the path has ended, and answers it has sent: the run must have seen them.
  let returned = 0;
  let answered = 0;
  const reached = async (state: RuntimeState) => {
    current = state.name;
    if (state.name === "completed") {
      const result = await withTimeout(handler.result, timeout, "the run to complete");
      const expected = (scope.eventOf("StopEvent") as { result?: unknown }).result;
      if (JSON.stringify(result) !== JSON.stringify(expected))
        throw new Error(`The run completed with ${JSON.stringify(result)}, not ${JSON.stringify(expected)}`);
      return;
    }
    const matches = () => {
      const live = whereIs(def, traceRun(handler));
      return (
        live.finished >= returned &&
        live.answers >= answered &&
        live.ended === null &&
        live.pending === state.pending &&
        live.inflight.join("|") === state.inflight.join("|")
      );
    };
    try {
      await driver.until(matches, `the run to be at "${state.name}"`);
    } catch (error) {
      const live = whereIs(def, traceRun(handler));
      throw new Error(`${(error as Error).message}; it has ${live.ended ? `ended (${live.ended})` : live.text}`);
    }
  };
  const states: Record<string, () => Promise<void>> = {};
  for (const state of graph.states.values()) states[state.name] = () => reached(state);
  const events: Record<string, () => Promise<void>> = {};
  for (const { event } of graph.edges) {
    events[event] = async () => {
      const edge = graph.edges.find((e) => e.from === current && e.event === event);
      if (!edge) throw new Error(`The model has no "${event}" from "${current}"`);
      if (edge.name === HUMAN_EDGE) {
        answered++;
        handler.sendEvent(scope.eventOf("HumanResponseEvent") as never);
        return;
      }
      const emitted = scope.eventOf(edge.emits);
      returned++;
      (await driver.invoked(edge.step, edge.accepted ?? "")).resolve(emitted);
    };
  }
  try {
    await path.test({ states, events });
  } finally {
    handler.cancel();
    await handler.catch(() => undefined);
  }
  return traceRun(handler);
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
