import { type Actor, type AnyStateMachine, createActor, type InspectionEvent, type Observer } from "xstate";
import { bindInput, bindRun, type RunBinding } from "../compiler/bindings.js";
import { internal } from "../compiler/protocol.js";
import type { CompiledTopology } from "../compiler/topology.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { SnapshotError, WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import {
  captureSnapshot,
  checkBeforeMigration,
  checkSnapshot,
  type WorkflowSnapshot,
} from "../persistence/snapshot.js";
import type { StoredRun, WorkflowStore } from "../persistence/store.js";
import { Checkpointer } from "./checkpointer.js";
import type { HandlerParts } from "./handler.js";

/** What launching needs from a workflow. */
export interface Launchable {
  readonly definition: WorkflowDefinition;
  readonly definitionHash: string;
  readonly machine: AnyStateMachine;
  readonly topology: CompiledTopology;
}

/** Options shared by `run` and `resume`. */
export interface LaunchOptions {
  readonly resources?: Readonly<Record<string, unknown>> | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  readonly verbose?: boolean | undefined;
  readonly store?: WorkflowStore | undefined;
}

type AnyActor = Actor<AnyStateMachine>;

/** The handler parts of a new run (its start event already validated). */
export function newRunParts(
  wf: Launchable,
  start: AnyEvent,
  runId: string,
  options: LaunchOptions,
): Omit<HandlerParts, "signal" | "verbose"> {
  const { type: _, ...fields } = start;
  const capture = captureOf(wf);
  const store = options.store;
  let checkpointer: Checkpointer | undefined;
  let lost: WorkflowStateError | undefined;
  const create = (observe: (event: AnyEvent) => void): AnyActor => {
    const binding: RunBinding = {
      runId,
      start,
      observe,
      releasedByHandler: true,
      ...(options.resources ? { resources: options.resources } : {}),
      ...(checkpointer ? { checkpoint: () => (checkpointer as Checkpointer).checkpoint() } : {}),
    };
    bindInput(fields, binding);
    return createActor(wf.machine, options.inspect ? { input: fields, inspect: options.inspect } : { input: fields });
  };
  return {
    workflowName: wf.definition.name,
    topology: wf.topology,
    runId,
    capture,
    open: (observe) => {
      if (!store) return create(observe);
      let actor: AnyActor | undefined;
      checkpointer = new Checkpointer(
        runId,
        store,
        () => capture(actor as AnyActor),
        hooksFor(
          () => actor,
          (error) => {
            lost = error;
          },
        ),
      );
      actor = create(observe);
      return (checkpointer as Checkpointer).create().then(() => actor as AnyActor);
    },
    ...(store
      ? {
          start: (actor: AnyActor) => {
            if (checkpointer) watch(actor, checkpointer);
            actor.start();
          },
          stoppedBecause: () => lost,
          close: () => checkpointer?.close() ?? Promise.resolve(),
          detach: async (actor: AnyActor) => {
            // The run as it is now, then stopped here at once: nothing can happen between the
            // snapshot that is saved and the end of this runner (the run cannot finish meanwhile).
            const snapshot = capture(actor);
            lost = detachedError(runId);
            const saved = checkpointer?.detach(snapshot);
            actor.stop();
            await saved;
          },
        }
      : { start: startActor }),
  };
}

/** The handler parts of a resumed run: from a snapshot object, or a run id in a store. */
export function resumeParts(
  wf: Launchable,
  from: unknown,
  options: LaunchOptions & { readonly migrate?: ((snapshot: unknown) => unknown) | undefined },
): Omit<HandlerParts, "signal" | "verbose"> {
  const meta = metaOf(wf);
  const capture = (actor: AnyActor) => captureSnapshot(actor.getPersistedSnapshot() as never, meta);
  const store = options.store;
  const verify = (value: unknown): WorkflowSnapshot => {
    const migrating = options.migrate !== undefined && needsMigration(value, meta);
    if (migrating) checkBeforeMigration(value, meta.secret);
    const upgraded = migrating ? (options.migrate as (s: unknown) => unknown)(value) : value;
    const snapshot = checkSnapshot(upgraded, {
      ...meta,
      ...(migrating ? { secret: undefined } : {}),
      steps: stepNames(wf),
    });
    if (snapshot.machine.status !== "active")
      throw new SnapshotError(`Run "${snapshot.runId}" has ended (${snapshot.status}); there is nothing to resume`);
    return snapshot;
  };
  // A snapshot object is checked now (bad input throws at once, like `run`'s input).
  const given = typeof from === "string" ? undefined : verify(from);
  if (typeof from === "string" && !store)
    throw new WorkflowStateError(`wf.resume("${from}") needs the store the run was saved in: { store }`);
  const runId = given ? given.runId : (from as string);
  let checkpointer: Checkpointer | undefined;
  let lost: WorkflowStateError | undefined;
  const restore = (snapshot: WorkflowSnapshot, observe: (event: AnyEvent) => void): AnyActor => {
    // A copy: the run appends to its logs in place, and the caller's snapshot must stay as it was.
    const machine = structuredClone(snapshot.machine) as never;
    const actor = createActor(
      wf.machine,
      options.inspect ? { snapshot: machine, inspect: options.inspect } : { snapshot: machine },
    );
    bindRun(actor, {
      runId,
      observe,
      releasedByHandler: true,
      ...(options.resources ? { resources: options.resources } : {}),
      ...(checkpointer ? { checkpoint: () => (checkpointer as Checkpointer).checkpoint() } : {}),
    });
    return actor;
  };
  return {
    workflowName: wf.definition.name,
    topology: wf.topology,
    runId,
    capture,
    restored: true,
    open: (observe) => {
      if (!store) return restore(given as WorkflowSnapshot, observe);
      let actor: AnyActor | undefined;
      checkpointer = new Checkpointer(
        runId,
        store,
        () => capture(actor as AnyActor),
        hooksFor(
          () => actor,
          (error) => {
            lost = error;
          },
        ),
      );
      const owner = checkpointer.owner;
      return (async () => {
        const stored = await store.claim(runId, owner);
        if (!stored && !given) throw new WorkflowStateError(`There is no run "${runId}" in the store`);
        try {
          // A snapshot object given with a store replaces the stored record only if that run has
          // not ended (an old snapshot must not bring a finished run back).
          if (given && stored && stored.snapshot.status !== "running" && stored.snapshot.status !== "waiting")
            throw new WorkflowStateError(`Run "${runId}" has already ended (${stored.snapshot.status}) in the store`);
          const snapshot = given ?? verify((stored as StoredRun).snapshot);
          if (given) await store.save(given, { owner });
          actor = restore(snapshot, observe);
        } catch (error) {
          await store.release(runId, owner).catch(() => undefined);
          throw error;
        }
        (checkpointer as Checkpointer).startRenewal();
        return actor;
      })();
    },
    start: (actor) => {
      if (checkpointer) watch(actor, checkpointer);
      actor.start();
      actor.send({ type: internal.restore });
      if (checkpointer) void checkpointer.takeDelivered(runId).catch(() => undefined);
    },
    stoppedBecause: () => lost,
    ...(store
      ? {
          close: () => checkpointer?.close() ?? Promise.resolve(),
          detach: async (actor: AnyActor) => {
            // The run as it is now, then stopped here at once: nothing can happen between the
            // snapshot that is saved and the end of this runner (the run cannot finish meanwhile).
            const snapshot = capture(actor);
            lost = detachedError(runId);
            const saved = checkpointer?.detach(snapshot);
            actor.stop();
            await saved;
          },
        }
      : {}),
  };
}

function detachedError(runId: string): WorkflowStateError {
  return new WorkflowStateError(
    `Run "${runId}" was detached from this process; continue it with wf.resume("${runId}", { store })`,
  );
}

const startActor = (actor: AnyActor) => void actor.start();

const captures = new WeakMap<Launchable, (actor: AnyActor) => WorkflowSnapshot>();

/** One snapshot function per workflow, not per run: an in-flight run holds as little as it can. */
function captureOf(wf: Launchable): (actor: AnyActor) => WorkflowSnapshot {
  let capture = captures.get(wf);
  if (!capture) {
    const meta = metaOf(wf);
    capture = (actor) => captureSnapshot(actor.getPersistedSnapshot() as never, meta);
    captures.set(wf, capture);
  }
  return capture;
}

function stepNames(wf: Launchable): ReadonlySet<string> {
  return new Set(wf.definition.steps.map((s) => s.name));
}

function metaOf(wf: Launchable) {
  return { workflow: wf.definition.name, definitionHash: wf.definitionHash, secret: wf.definition.snapshotSecret };
}

function needsMigration(value: unknown, meta: { definitionHash: string }): boolean {
  const v = value as { version?: unknown; definitionHash?: unknown } | null;
  return typeof v !== "object" || v === null || v.version !== 1 || v.definitionHash !== meta.definitionHash;
}

/** Saves after changes; `error: noop` so this observer never marks the actor's error as handled or not. */
function watch(actor: AnyActor, checkpointer: Checkpointer): void {
  actor.subscribe({ next: () => checkpointer.changed(), error: () => undefined });
}

function hooksFor(actorOf: () => AnyActor | undefined, onLost: (error: WorkflowStateError) => void) {
  return {
    delivered(events: AnyEvent[]) {
      const actor = actorOf();
      for (const event of events) actor?.send(event);
    },
    lost(error: WorkflowStateError) {
      onLost(error);
      actorOf()?.stop();
    },
  };
}
