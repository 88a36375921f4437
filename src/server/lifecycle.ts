import type { Hono } from "hono";
import type { WorkflowSnapshot } from "../persistence/snapshot.js";
import { adopt, servedByDefinition } from "./durable.js";
import type { ServerState } from "./runs.js";

/**
 * A server's runs across process lives: taking the store's interrupted runs at start, handing the
 * runs held here back to the store at shutdown.
 */

/** What {@link resumeInterrupted} did. */
export interface ResumeReport {
  /** Run ids now running in this process. */
  readonly resumed: string[];
  /** Interrupted runs left alone, and why (a workflow this server does not serve, a corrupt record). */
  readonly skipped: { readonly runId: string; readonly reason: string }[];
}

const states = new WeakMap<object, ServerState>();

/** @internal Ties an app to its state, for {@link resumeInterrupted} and {@link detachRuns}. */
export function rememberState(app: Hono, state: ServerState): void {
  states.set(app, state);
}

/**
 * Continues in this process every run of the app's store listed as `interrupted` (its runner died
 * or let go mid-run) of a workflow the app serves. Call it once the server is up, after a restart.
 * Runs waiting for a person need no process: the answer posted to `POST /events/{id}` resumes them.
 *
 * @example
 * ```ts
 * const app = createServer({ workflows: { approval }, store: new SqliteStore({ path: "runs.db" }) });
 * await serve(app, { port: 8000 });
 * const { resumed, skipped } = await resumeInterrupted(app);
 * ```
 */
export async function resumeInterrupted(app: Hono): Promise<ResumeReport> {
  const state = states.get(app);
  const store = state?.store;
  if (!state || !store) return { resumed: [], skipped: [] };
  const report: ResumeReport = { resumed: [], skipped: [] };
  for (const { runId, workflow } of await store.list({ status: "interrupted" })) {
    if (state.registry.has(runId)) continue;
    if (!servedByDefinition(state, workflow)) {
      report.skipped.push({ runId, reason: `workflow "${workflow}" is not served here` });
      continue;
    }
    try {
      const stored = await store.load(runId);
      const entry = stored && adopt(state, stored);
      if (entry && (await entry.handler.loaded)) report.resumed.push(runId);
      else if (entry) report.skipped.push({ runId, reason: await reasonOf(entry.handler) });
      else report.skipped.push({ runId, reason: "another runner holds it, or it ended" });
    } catch (error) {
      report.skipped.push({ runId, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return report;
}

/**
 * A run's snapshot as it stands now: taken from its handler when this server holds the run, read
 * from the store otherwise. `undefined` for a run neither knows. Its `machine.context.state` is the
 * run's `ctx` state and `machine.value` the statechart's active states, for a page that shows them.
 *
 * @example
 * ```ts
 * const snapshot = await runSnapshot(app, handlerId);
 * console.log(snapshot?.status, snapshot?.machine.context.state);
 * ```
 */
export async function runSnapshot(app: Hono, handlerId: string): Promise<WorkflowSnapshot | undefined> {
  const state = states.get(app);
  if (!state) return undefined;
  const entry = state.registry.get(handlerId);
  if (entry && (await entry.handler.loaded)) return entry.handler.snapshot();
  return (await state.store?.load(handlerId))?.snapshot;
}

/** What {@link detachRuns} did. */
export interface DetachReport {
  /** Run ids saved to the store and let go of: any server on the store continues them. */
  readonly detached: string[];
  /** Runs that could not be saved, and why: their leases expire, and they list as interrupted then. */
  readonly failed: { readonly runId: string; readonly reason: string }[];
}

/**
 * Hands every run this server holds back to its store: each is saved as it is and its lease let
 * go (`handler.detach()`), so the next server (after a deploy, on another host) continues it at
 * once instead of waiting for the lease to expire. From then on the app takes no run from the
 * store. Call it after the server stopped taking requests (`await server.close()`), before the
 * process exits. Without a store there is nowhere to keep a run, and nothing is done.
 *
 * @example
 * ```ts
 * process.once("SIGTERM", async () => {
 *   await server.close();
 *   await detachRuns(app);
 *   store.close();
 * });
 * ```
 */
export async function detachRuns(app: Hono): Promise<DetachReport> {
  const state = states.get(app);
  const report: DetachReport = { detached: [], failed: [] };
  if (!state?.store) return report;
  state.closed = true; // no run is taken from the store from now on
  const running = state.registry.list({ status: ["running"] });
  await Promise.all(
    running.map(async (entry) => {
      try {
        if (!(await entry.handler.loaded)) return; // never ran here
        await entry.handler.detach();
        await entry.done;
        // One that ended meanwhile was not handed back: it is over, and its record says so.
        if (entry.errorCode !== "WORKFLOW_STATE") return;
        state.registry.delete(entry.id);
        report.detached.push(entry.id);
      } catch (error) {
        report.failed.push({ runId: entry.id, reason: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
  return report;
}

/** Why a handler could not open its run. */
async function reasonOf(handler: { then(ok: () => void, fail: (error: unknown) => void): unknown }): Promise<string> {
  return new Promise((resolve) =>
    handler.then(
      () => resolve("it ended"),
      (error: unknown) => resolve(error instanceof Error ? error.message : String(error)),
    ),
  );
}
