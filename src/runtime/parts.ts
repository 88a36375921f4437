import type { Actor, AnyStateMachine } from "xstate";
import type { CompiledTopology } from "../compiler/topology.js";
import type { AnyEvent } from "../events/types.js";
import type { StreamMark, WorkflowSnapshot } from "../persistence/snapshot.js";
import type { RetainOptions } from "./retention.js";

/** @internal What a handler is built from. */
export interface HandlerParts {
  readonly workflowName: string;
  /**
   * Creates the (not yet started) actor, at once or after async work (loading a run from a store,
   * writing its first checkpoint); `observe` receives the `all` view's trace items.
   */
  readonly open: (
    observe: (event: AnyEvent) => void,
    mark: (actor: Actor<AnyStateMachine>) => StreamMark,
  ) => Actor<AnyStateMachine> | Promise<Actor<AnyStateMachine>>;
  /** Starts the actor once the handler listens to it (and continues a restored run). */
  readonly start: (actor: Actor<AnyStateMachine>) => void;
  /** Runs before the handler settles: the run's last checkpoint. */
  readonly close?: () => Promise<void>;
  /** Builds the run's snapshot (see `handler.snapshot()`), with where its stream stands. */
  readonly capture: (actor: Actor<AnyStateMachine>, stream?: StreamMark) => WorkflowSnapshot;
  /** Saves the run to its store, lets go of it and stops it here (see `handler.detach()`). */
  readonly detach?: (actor: Actor<AnyStateMachine>) => Promise<void>;
  /** Why the actor was stopped from outside the run, when that is an error (a lost lease). */
  readonly stoppedBecause?: () => unknown;
  /** A restored run: its stream continues the snapshot's positions, the pending prompts where they were. */
  readonly restored?: boolean;
  /** A restored run's stream mark, from its snapshot (read once the actor is open). */
  readonly restoredMark?: () => StreamMark | undefined;
  readonly topology: CompiledTopology;
  readonly runId: string;
  readonly signal: AbortSignal | undefined;
  readonly verbose: boolean;
  /** How much of the run's record to keep (the `retain` run option). */
  readonly retain?: RetainOptions | undefined;
}
