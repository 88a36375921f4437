/**
 * stepchart: event-driven AI workflows in the style of LlamaIndex Workflows, compiled to XState v5
 * statecharts.
 *
 * @module
 */

export type { ToMachineOptions } from "./compiler/machine.js";
// Definitions
export { step } from "./definition/decorators.js";
export type {
  AttemptInfo,
  Context,
  FreeState,
  FreeStateAccess,
  InputOf,
  ResultOf,
  RetryPolicy,
  RunTimeout,
  StepContext,
  StepDefinition,
  StepOptions,
  TypedStateAccess,
  WaitOptions,
  WorkflowDefinition,
  WorkflowOptions,
  WorkflowTypes,
} from "./definition/types.js";
// Errors
export {
  type ErrorInfo,
  EventRoutingError,
  EventValidationError,
  isWorkflowError,
  SnapshotError,
  StateError,
  StepInterruptedError,
  StepStateError,
  StepTimeoutError,
  StreamPositionError,
  type ValidationIssue,
  WaitTimeoutError,
  WorkflowCancelledError,
  WorkflowError,
  type WorkflowErrorCode,
  WorkflowStalledError,
  WorkflowStateError,
  WorkflowStepError,
  WorkflowTimeoutError,
  WorkflowValidationError,
} from "./errors.js";
export {
  EventRejectedEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StepFinishedEvent,
  StepStartedEvent,
  StopEvent,
  startEvent,
  stopEvent,
  WorkflowCancelledEvent,
  WorkflowFailedEvent,
  WorkflowTimedOutEvent,
} from "./events/built-ins.js";
// Events
export { defineEvent } from "./events/define-event.js";
export type { AnyEvent, AnyEventDef, EventDef, EventOf, EventsOf, FieldsOf } from "./events/types.js";
// Compiler and runtime
export type { StepActorsMode } from "./execution/hosting.js";
// Instrumentation (stepchart/telemetry implements it with OpenTelemetry)
export type {
  AttemptEnd,
  Instrumentation,
  ModelCallInfo,
  ModelCallResult,
  RunEnd,
  RunInfo,
  RunObserver,
  StepAttemptInfo,
  StepAttemptObserver,
} from "./execution/instrument.js";
// Persistence
export { MAX_JSON_DEPTH } from "./internal/json.js";
export type { RunContext } from "./kernel/context.js";
export { MemoryStore, type MemoryStoreOptions } from "./persistence/memory-store.js";
export type { RunStatus, WorkflowSnapshot } from "./persistence/snapshot.js";
export type {
  ClaimOptions,
  Lease,
  ListFilter,
  RunSummary,
  SaveOptions,
  StoredRun,
  WorkflowStore,
} from "./persistence/store.js";
export { WorkflowHandler } from "./runtime/handler.js";
export type { RetainOptions } from "./runtime/retention.js";
export type { StreamOptions } from "./runtime/stream.js";
export { type ResumeOptions, type RunOptions, Workflow, workflow } from "./runtime/workflow.js";
