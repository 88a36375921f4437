import { type Actor, type AnyStateMachine, createActor, type InspectionEvent, type Observer } from "xstate";
import { persistedChildren } from "../compiler/persisted.js";
import type { CompiledTopology } from "../compiler/topology.js";
import type { WorkflowDefinition } from "../definition/types.js";
import { SnapshotError, type WorkflowError, WorkflowStateError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { bindInput, bindRun, type RunBinding } from "../execution/bindings.js";
import type { Instrumentation } from "../execution/instrument.js";
import { TracedRun } from "../execution/traced-run.js";
import { internal, seal } from "../kernel/protocol.js";
import { FIRST_EPOCH, isFinished } from "../persistence/fencing.js";
import {
  captureActor,
  checkBeforeMigration,
  checkSnapshot,
  type StreamMark,
  type WorkflowSnapshot,
} from "../persistence/snapshot.js";
import { noSuchRun, type StoredRun, type WorkflowStore } from "../persistence/store.js";
import { Checkpointer } from "./checkpointer.js";
import type { HandlerParts } from "./parts.js";

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
  readonly instrument?: Instrumentation | undefined;
}

type AnyActor = Actor<AnyStateMachine>;

/**
 * A run kept in a store: its checkpointer, and what the handler needs from it. Shared by new and
 * resumed runs.
 */
class Durable {
  readonly checkpointer: Checkpointer;
  actor: AnyActor | undefined;
  /** Where the run's stream stands (set when the handler opens the run). */
  mark: ((actor: AnyActor) => StreamMark) | undefined;
  /** Why this runner stopped the run (lease lost, detached, cannot be saved), rejected by the handler. */
  stopped: WorkflowError | undefined;

  constructor(
    readonly runId: string,
    store: WorkflowStore,
    readonly capture: (actor: AnyActor, stream?: StreamMark) => WorkflowSnapshot,
  ) {
    this.checkpointer = new Checkpointer(runId, store, () => this.snapshot(this.actor as AnyActor), {
      delivered: (events) => {
        for (const event of events) this.actor?.send(event);
      },
      stopped: (error) => {
        this.stopped = error;
        this.actor?.stop();
      },
    });
  }

  snapshot(actor: AnyActor): WorkflowSnapshot {
    return this.capture(actor, this.mark?.(actor));
  }

  /** What a run binding needs to save the run, and to check it still holds it before an effect. */
  binding(): Pick<RunBinding, "checkpoint" | "confirmHold"> {
    return { checkpoint: () => this.checkpointer.checkpoint(), confirmHold: () => this.checkpointer.confirm() };
  }

  /** The handler parts that make a run durable. */
  parts(): Pick<HandlerParts, "stoppedBecause" | "close" | "detach"> {
    return {
      stoppedBecause: () => this.stopped,
      close: () => this.checkpointer.close(),
      detach: async (actor) => {
        // The run as it is now, then stopped here at once: nothing can happen between the
        // snapshot that is saved and the end of this runner (the run cannot finish meanwhile).
        const snapshot = this.snapshot(actor);
        this.stopped = new WorkflowStateError(
          `Run "${this.runId}" was detached from this process; continue it with wf.resume("${this.runId}", { store })`,
        );
        const saved = this.checkpointer.detach(snapshot);
        actor.stop();
        await saved;
      },
    };
  }

  /** Saves after changes; `error: noop` so this observer never decides whether the actor's error is handled. */
  watch(actor: AnyActor): void {
    actor.subscribe({ next: () => this.checkpointer.changed(), error: () => undefined });
  }
}

/** The handler parts of a new run (its start event already validated). */
export function newRunParts(
  wf: Launchable,
  start: AnyEvent,
  runId: string,
  options: LaunchOptions,
): Omit<HandlerParts, "signal" | "verbose"> {
  const { type: _, ...fields } = start;
  const capture = captureOf(wf);
  const durable = options.store ? new Durable(runId, options.store, capture) : undefined;
  const traced = tracedRun(wf, runId, false, options);
  const create = (observe: (event: AnyEvent) => void): AnyActor => {
    const binding: RunBinding = {
      runId,
      start,
      observe,
      releasedByHandler: true,
      ...(options.resources ? { resources: options.resources } : {}),
      ...durable?.binding(),
      ...traced?.binding(observe),
    };
    bindInput(fields, binding);
    return createActor(wf.machine, options.inspect ? { input: fields, inspect: options.inspect } : { input: fields });
  };
  const base = { workflowName: wf.definition.name, topology: wf.topology, runId, capture };
  if (!durable) return { ...base, open: create, start: traced ? traced.starting(startActor) : startActor };
  return {
    ...base,
    ...durable.parts(),
    open: (observe, mark) => {
      durable.actor = create(observe);
      durable.mark = mark;
      // The run's first record is written before its first step starts (its id must be new).
      return durable.checkpointer.create().then(() => durable.actor as AnyActor);
    },
    start: (actor) => {
      durable.watch(actor);
      traced?.start(actor, () => durable.stopped);
      actor.start();
    },
  };
}

/** The handler parts of a resumed run: from a snapshot object, or a run id in a store. */
export function resumeParts(
  wf: Launchable,
  from: unknown,
  options: LaunchOptions & {
    readonly migrate?: ((snapshot: unknown) => unknown) | undefined;
    readonly takeover?: boolean | undefined;
  },
): Omit<HandlerParts, "signal" | "verbose"> {
  const meta = metaOf(wf);
  const capture = captureOf(wf);
  const store = options.store;
  const verify = (value: unknown): WorkflowSnapshot => {
    const migrating = options.migrate !== undefined && needsMigration(value, meta);
    if (migrating) checkBeforeMigration(value, meta.secret);
    const upgraded = migrating ? (options.migrate as (s: unknown) => unknown)(value) : value;
    const snapshot = checkSnapshot(upgraded, {
      ...meta,
      ...(migrating ? { secret: undefined } : {}),
      steps: stepNames(wf),
      definition: wf.definition,
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
  const durable = store ? new Durable(runId, store, capture) : undefined;
  const traced = tracedRun(wf, runId, true, options);
  const restore = (snapshot: WorkflowSnapshot, observe: (event: AnyEvent) => void): AnyActor => {
    // A copy: the run appends to its logs in place, and the caller's snapshot must stay as it was.
    const copy = structuredClone(snapshot.machine);
    const machine = { ...copy, children: persistedChildren(wf.definition, copy.context) } as never;
    const actor = createActor(
      wf.machine,
      options.inspect ? { snapshot: machine, inspect: options.inspect } : { snapshot: machine },
    );
    bindRun(actor, {
      runId,
      observe,
      releasedByHandler: true,
      ...(options.resources ? { resources: options.resources } : {}),
      ...durable?.binding(),
      ...traced?.binding(observe),
    });
    return actor;
  };
  let restoredMark: StreamMark | undefined;
  const base = {
    workflowName: wf.definition.name,
    topology: wf.topology,
    runId,
    capture,
    restored: true,
    restoredMark: () => restoredMark,
  };
  const continueRun = (actor: AnyActor) => {
    actor.start();
    actor.send(seal({ type: internal.restore }));
  };
  if (!durable || !store) {
    restoredMark = given?.stream;
    const start = traced ? traced.starting(continueRun) : continueRun;
    return { ...base, open: (observe) => restore(given as WorkflowSnapshot, observe), start };
  }
  return {
    ...base,
    ...durable.parts(),
    open: async (observe, mark) => {
      const { checkpointer } = durable;
      durable.mark = mark;
      const owner = checkpointer.owner;
      const stored = await store.claim(runId, owner, options.takeover ? { takeover: true } : {});
      if (!stored && !given) throw new WorkflowStateError(noSuchRun(runId, store.description));
      try {
        const ended = stored && isFinished(stored.snapshot.status) ? stored.snapshot.status : undefined;
        // A snapshot object given with a store replaces the stored record only if that run has
        // not ended (an old snapshot must not bring a finished run back).
        if (given && ended) throw new WorkflowStateError(`Run "${runId}" has already ended (${ended}) in the store`);
        if (ended) throw new SnapshotError(`Run "${runId}" has ended (${ended}); there is nothing to resume`);
        checkpointer.holds(stored?.lease?.epoch ?? FIRST_EPOCH);
        const snapshot = given ?? verify((stored as StoredRun).snapshot);
        if (given) await store.save(given, { owner, epoch: stored?.lease?.epoch ?? FIRST_EPOCH, create: !stored });
        durable.actor = restore(snapshot, observe);
        restoredMark = snapshot.stream;
      } catch (error) {
        await store.release(runId, owner).catch(() => undefined);
        throw error;
      }
      durable.checkpointer.startRenewal();
      return durable.actor;
    },
    start: (actor) => {
      durable.watch(actor);
      traced?.start(actor, () => durable.stopped);
      continueRun(actor);
      void durable.checkpointer.takeDelivered(runId).catch(() => undefined);
    },
  };
}

const startActor = (actor: AnyActor) => void actor.start();

/** The run's instrumentation at work, for a run with an `instrument` option. */
function tracedRun(wf: Launchable, runId: string, resumed: boolean, options: LaunchOptions): TracedRun | undefined {
  const instrumentation = options.instrument;
  return instrumentation && new TracedRun(instrumentation, { workflow: wf.definition.name, runId, resumed });
}

type Capture = (actor: AnyActor, stream?: StreamMark) => WorkflowSnapshot;
const captures = new WeakMap<Launchable, Capture>();

/** One snapshot function per workflow, not per run: an in-flight run holds as little as it can. */
function captureOf(wf: Launchable): Capture {
  let capture = captures.get(wf);
  if (!capture) {
    const meta = metaOf(wf);
    capture = (actor, stream) => captureActor(actor, meta, stream);
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
