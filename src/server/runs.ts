import type { WorkflowDefinition } from "../definition/types.js";
import type { Instrumentation } from "../execution/instrument.js";
import type { WorkflowStore } from "../persistence/store.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import type { RetainOptions } from "../runtime/retention.js";
import { ApiError, badRequest, notFound } from "./errors.js";
import type { HandlerEntry, HandlerRegistry } from "./registry.js";

/** What the server needs of a workflow (any `Workflow`, whatever its types). */
export interface ServedWorkflow {
  readonly definition: WorkflowDefinition;
  run(input: never, options: RunOptionsOfServer & { readonly runId?: string }): WorkflowHandler<unknown, never>;
  /** Continues a stored run here (after a restart, or a runner's death). */
  resume(
    runId: string,
    options: RunOptionsOfServer & { readonly store: WorkflowStore },
  ): WorkflowHandler<unknown, never>;
  /** Delivers an event to a stored run through the store. */
  sendEvent(runId: string, event: never, options: { readonly store: WorkflowStore }): Promise<void>;
}

/** The run options the server passes to every run and resume. */
export interface RunOptionsOfServer {
  readonly store?: WorkflowStore;
  readonly instrument?: Instrumentation;
  readonly retain?: RetainOptions;
  readonly resources?: Readonly<Record<string, unknown>>;
}

/** The workflows a server serves, by the name clients use in URLs. */
export type ServedWorkflows = Readonly<Record<string, ServedWorkflow>>;

/** What the route handlers share. */
export interface ServerState {
  readonly workflows: ServedWorkflows;
  readonly registry: HandlerRegistry;
  readonly store: WorkflowStore | undefined;
  /** The `retain` option of every run this server starts or resumes. */
  readonly retain: RetainOptions | undefined;
  /** The `resources` of every run this server starts or resumes. */
  readonly resources: Readonly<Record<string, unknown>> | undefined;
  /** The `instrument` of every run this server starts or resumes. */
  readonly instrument: Instrumentation | undefined;
  /** Set by `detachRuns`: the server takes no more runs from the store. */
  closed: boolean;
  /** Runs held by a runner that may be dead, which this server looks at again when their lease ends. */
  readonly looking: Set<string>;
}

/** The options of a run this server starts or resumes. */
export function runOptions(state: ServerState): RunOptionsOfServer {
  return {
    ...(state.store ? { store: state.store } : {}),
    ...(state.retain ? { retain: state.retain } : {}),
    ...(state.resources ? { resources: state.resources } : {}),
    ...(state.instrument ? { instrument: state.instrument } : {}),
  };
}

export function workflowNamed(state: ServerState, name: string): ServedWorkflow {
  const wf = Object.hasOwn(state.workflows, name) ? state.workflows[name] : undefined;
  if (!wf) throw notFound(`No workflow named "${name}" is served`);
  return wf;
}

export function handlerWithId(state: ServerState, id: string): HandlerEntry {
  const entry = state.registry.get(id);
  if (!entry) throw notFound(`No handler "${id}"`);
  return entry;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Starts a run from a `run` / `run-nowait` body: `start_event` is the start event's fields,
 * `handler_id` the run id. `context` and `kwargs` (a serialized Python context, keyword
 * arguments) have no stepchart meaning, and are refused rather than ignored. A handler id held
 * here or in the store is a 409.
 */
export async function startRun(state: ServerState, name: string, body: unknown): Promise<HandlerEntry> {
  const wf = workflowNamed(state, name);
  const request = body ?? {};
  if (!isObject(request)) throw badRequest("The body must be a JSON object");
  const { start_event: start = {}, handler_id: id, context, kwargs } = request;
  if (!isObject(start)) throw badRequest("`start_event` must be a JSON object of the start event's fields");
  if (id !== undefined && (typeof id !== "string" || id === "")) throw badRequest("`handler_id` must be a string");
  if (context !== undefined && !(isObject(context) && Object.keys(context).length === 0)) {
    throw badRequest("`context` is not supported: stepchart runs continue from their store, by handler id");
  }
  if (kwargs !== undefined && !(isObject(kwargs) && Object.keys(kwargs).length === 0)) {
    throw badRequest("`kwargs` is not supported: pass the run's input as `start_event`");
  }
  // Held here again after the store answered: a request with the same id started it meanwhile.
  const taken = async (runId: string) => (await state.store?.load(runId)) !== undefined || state.registry.has(runId);
  if (typeof id === "string" && (state.registry.has(id) || (await taken(id)))) {
    throw new ApiError(409, "WORKFLOW_STATE", `Handler "${id}" exists already; a run id is used once`);
  }
  const { type: _type, ...fields } = start;
  const handler = wf.run(fields as never, {
    ...(typeof id === "string" ? { runId: id } : {}),
    ...runOptions(state),
  });
  return state.store ? state.registry.addStored(name, handler) : state.registry.add(name, handler);
}
