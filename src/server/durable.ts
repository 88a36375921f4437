import type { AnyEvent } from "../events/types.js";
import { errorOf } from "../kernel/outcome.js";
import { ownerIsGone } from "../persistence/lease.js";
import type { RunStatus } from "../persistence/snapshot.js";
import type { StoredRun } from "../persistence/store.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import { toEnvelope } from "./envelope.js";
import { ApiError } from "./errors.js";
import type { HandlerEntry, HandlerJson, HandlerStatus } from "./registry.js";
import { runOptions, type ServedWorkflow, type ServerState } from "./runs.js";

/**
 * The server's runs beyond this process: runs in the store that no handler here holds (started
 * before a restart, or by another server on the same database) are listed from their records, sent
 * events through the store, and taken into this process when no live runner holds them.
 */

const finishedStatuses: Readonly<Record<RunStatus, HandlerStatus>> = {
  running: "running",
  waiting: "running",
  completed: "completed",
  failed: "failed",
  cancelled: "cancelled",
  // The API has no status for it: a run that ran out of time failed, as a live handler says too.
  timedOut: "failed",
};

/** The served name and workflow of a definition name (the record keeps the definition's name). */
export function servedByDefinition(
  state: ServerState,
  definitionName: string,
): { name: string; wf: ServedWorkflow } | undefined {
  for (const [name, wf] of Object.entries(state.workflows)) {
    if (wf.definition.name === definitionName) return { name, wf };
  }
  return undefined;
}

/** Whether the run has ended: its record is final. */
export const hasEnded = (stored: StoredRun) =>
  stored.snapshot.status !== "running" && stored.snapshot.status !== "waiting";

/** No live runner holds the run: never claimed, let go, expired, or its process is gone from this host. */
const isFree = (stored: StoredRun) =>
  stored.lease === null || stored.lease.expiresAt <= Date.now() || ownerIsGone(stored.lease.owner);

/** The Handler of a run read from its record. The record keeps no start time: `started_at` is its last save. */
export function storedHandlerJson(state: ServerState, stored: StoredRun): HandlerJson {
  const { snapshot } = stored;
  const outcome = snapshot.machine.context.outcome;
  const ended = hasEnded(stored);
  return {
    handler_id: snapshot.runId,
    workflow_name: servedByDefinition(state, snapshot.workflow)?.name ?? snapshot.workflow,
    run_id: snapshot.runId,
    status: finishedStatuses[snapshot.status],
    started_at: snapshot.savedAt,
    updated_at: snapshot.savedAt,
    completed_at: ended ? snapshot.savedAt : null,
    error: ended && outcome && outcome.status !== "completed" ? errorOf(outcome, undefined).message : null,
    result: outcome?.status === "completed" ? toEnvelope(outcome.stop) : null,
  };
}

/** The stored run this process does not hold, or undefined (no store, unknown id, or held here). */
export async function storedRun(state: ServerState, id: string): Promise<StoredRun | undefined> {
  if (!state.store || state.registry.has(id)) return undefined;
  return state.store.load(id);
}

/**
 * The Handlers of the store's runs this process does not hold, most recently saved first. One
 * load per run (the list has no outcome); a run deleted in between is left out.
 */
export async function storedHandlers(state: ServerState): Promise<HandlerJson[]> {
  const store = state.store;
  if (!store) return [];
  const summaries = (await store.list()).filter((s) => !state.registry.has(s.runId));
  // One record that cannot be read (corrupt, or deleted meanwhile) does not hide the others.
  const loaded = await Promise.allSettled(summaries.map((s) => store.load(s.runId)));
  return loaded
    .map((r) => (r.status === "fulfilled" ? r.value : undefined))
    .filter((r): r is StoredRun => r !== undefined)
    .map((r) => storedHandlerJson(state, r));
}

/**
 * Holds a resumed run here. A handler that ends with `WORKFLOW_STATE` never ran the run or let go
 * of it (another runner claimed it first, or took it over): the store has the truth, so the
 * entry is dropped and the run lists from its record again.
 */
function hold(state: ServerState, name: string, handler: WorkflowHandler<unknown, never>): HandlerEntry {
  return state.registry.addStored(name, handler, { resumed: true });
}

/**
 * Continues here a stored run that no live runner holds and that this server serves; events
 * delivered to it are applied first. Returns undefined when it cannot (ended, held, not served).
 */
export function adopt(state: ServerState, stored: StoredRun): HandlerEntry | undefined {
  const store = state.store;
  const served = servedByDefinition(state, stored.snapshot.workflow);
  if (!store || !served || state.closed || hasEnded(stored) || !isFree(stored)) return undefined;
  if (state.registry.has(stored.snapshot.runId)) return state.registry.get(stored.snapshot.runId);
  return hold(state, served.name, served.wf.resume(stored.snapshot.runId, { ...runOptions(state), store }));
}

/**
 * A stored run this process does not hold, for `GET /events` and cancel: taken into this process
 * when no live runner holds it (`entry`), or its record when it has ended (`ended`). A run held by
 * a live runner elsewhere, or of a workflow not served here, is a 409; undefined: not in the store.
 */
export async function takeStored(
  state: ServerState,
  id: string,
): Promise<{ entry: HandlerEntry } | { ended: StoredRun } | undefined> {
  const stored = await storedRun(state, id);
  if (!stored) return undefined;
  if (hasEnded(stored)) return { ended: stored };
  if (state.closed) throw new ApiError(409, "WORKFLOW_STATE", `This server is shutting down; ask another for "${id}"`);
  const entry = adopt(state, stored);
  if (entry) return whenOpen(state, entry);
  const { workflow } = stored.snapshot;
  if (!servedByDefinition(state, workflow))
    throw new ApiError(409, "WORKFLOW_STATE", `Handler "${id}" is a run of "${workflow}", which is not served here`);
  throw heldElsewhere(id);
}

/**
 * A held entry once its run is open here. A run that another runner claimed first (while this one
 * loaded it) is not this server's: its entry goes, and the answer is the record's (ended) or a
 * 409 (held elsewhere). A run that failed to load for another reason stays, failed.
 */
export async function whenOpen(
  state: ServerState,
  entry: HandlerEntry,
): Promise<{ entry: HandlerEntry } | { ended: StoredRun }> {
  if ((await entry.handler.loaded) || !entry.resumed) return { entry };
  const why = await entry.handler.then(
    () => undefined,
    (error: unknown) => error,
  );
  const stored = await state.store?.load(entry.id);
  if (stored && hasEnded(stored)) return { ended: stored };
  if (stored && !isFree(stored)) throw heldElsewhere(entry.id);
  throw why; // the store failed, or the record cannot be read: a 500, its message not sent
}

const heldElsewhere = (id: string) =>
  new ApiError(
    409,
    "WORKFLOW_STATE",
    `Handler "${id}" is running in another server process: stream or cancel it there (route requests by handler id), or once it lets go`,
  );

/**
 * `POST /events/{id}` for a stored run this process does not hold: delivered through the store's
 * inbox (validated like `handler.sendEvent`), so a live runner elsewhere takes it at its next lease
 * renewal; when no live runner holds the run, this process resumes it, and the event is applied first.
 */
export async function sendToStored(state: ServerState, stored: StoredRun, event: AnyEvent): Promise<void> {
  const { runId, workflow, status } = stored.snapshot;
  if (hasEnded(stored)) throw new ApiError(409, "WORKFLOW_STATE", `Handler "${runId}" has ended (${status})`);
  const served = servedByDefinition(state, workflow);
  const store = state.store;
  if (!served || !store) {
    throw new ApiError(409, "WORKFLOW_STATE", `Handler "${runId}" is a run of "${workflow}", which is not served here`);
  }
  await served.wf.sendEvent(runId, event as never, { store });
  if (!adopt(state, stored)) adoptWhenFree(state, runId, stored.lease?.expiresAt);
}

/**
 * A run held by another runner takes a delivered event at its next renewal. If that runner is
 * dead (on another host, so its lease has to run out), nobody would: once the lease has expired,
 * this server looks again and resumes the run if it is still free, applying the event.
 */
function adoptWhenFree(state: ServerState, runId: string, expiresAt: number | undefined): void {
  const store = state.store;
  if (expiresAt === undefined || !store || state.looking.has(runId)) return;
  state.looking.add(runId); // one look per run, however many answers are posted meanwhile
  const timer = setTimeout(
    () => {
      state.looking.delete(runId);
      void store
        .load(runId)
        .then((again) => again && adopt(state, again))
        .catch(() => undefined); // a store that is down: the next answer or resumeInterrupted takes it
    },
    Math.max(0, expiresAt - Date.now()) + 50,
  );
  timer.unref?.();
}
