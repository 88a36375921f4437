/**
 * The names stepchart's spans use: attributes and span events in the `stepchart.` namespace (the
 * GenAI ones are OpenTelemetry's own semantic conventions). Exported so that a query, a dashboard
 * or a test can name them without spelling them out.
 *
 * @example
 * ```ts
 * const steps = spans.filter((s) => s.attributes[TelemetryAttributes.step] === "draft");
 * ```
 */
export const TelemetryAttributes = {
  workflow: "stepchart.workflow.name",
  runId: "stepchart.run.id",
  /** `true` on the span of a run continued from a snapshot or a store. */
  resumed: "stepchart.run.resumed",
  /** How the run ended here: completed, failed, timedOut, cancelled, stopped (detached, taken over). */
  runStatus: "stepchart.run.status",
  step: "stepchart.step.name",
  /** The invocation's number in the run; its attempts share it. */
  invocation: "stepchart.step.invocation",
  /** 1 for the first attempt. */
  attempt: "stepchart.step.attempt",
  /** The type of the event the step accepted. */
  acceptedEvent: "stepchart.step.accepted_event",
  /** The types of the events the attempt returned, sent or prompted with, in order, once each. */
  emittedEvents: "stepchart.step.emitted_events",
  /** How the attempt ended: returned, retrying, failed, stopped. */
  stepOutcome: "stepchart.step.outcome",
  retryDelay: "stepchart.retry.delay_ms",
  nextAttempt: "stepchart.retry.next_attempt",
  waitEventType: "stepchart.wait.event_type",
  /** The wait asked a person (it came with a prompt). */
  waitPrompt: "stepchart.wait.prompt",
  collectedEvents: "stepchart.collect.event_types",
  collectedCount: "stepchart.collect.count",
  eventType: "stepchart.event.type",
  /** What timed out: step, wait or run. */
  timeoutKind: "stepchart.timeout.kind",
  timeoutMs: "stepchart.timeout.ms",
  /** OpenTelemetry's general attribute: the class of error an operation ended with (a `WorkflowError` code). */
  errorType: "error.type",
} as const;

/**
 * The span events stepchart records (besides OpenTelemetry's `exception`).
 *
 * @example
 * ```ts
 * const waits = runSpan.events.filter((e) => e.name === TelemetryEvents.inputRequired);
 * ```
 */
export const TelemetryEvents = {
  /** On a failed attempt's span: another attempt follows after `stepchart.retry.delay_ms`. */
  retry: "stepchart.step.retry",
  /** On the run's span: a step asked a person (an InputRequiredEvent returned, sent, or a wait's prompt). */
  inputRequired: "stepchart.input.required",
  /** On the run's span: an event came from outside (a person's answer, `handler.sendEvent`). */
  eventReceived: "stepchart.event.received",
  /** On a step's span: `ctx.waitForEvent` started waiting. */
  waitStarted: "stepchart.wait.started",
  /** On a step's span: `ctx.collectEvents` completed with every event it expected. */
  collectCompleted: "stepchart.collect.completed",
  /** On a step's span (step or wait timeout) or the run's span (the run's timeout). */
  timeout: "stepchart.timeout",
} as const;

/**
 * The OpenTelemetry GenAI semantic-convention attributes the model call spans carry.
 *
 * @example
 * ```ts
 * const tokens = llmSpan.attributes[GenAiAttributes.inputTokens];
 * ```
 */
export const GenAiAttributes = {
  operation: "gen_ai.operation.name",
  /** The older name of `gen_ai.provider.name`, still read by many backends: both are set. */
  system: "gen_ai.system",
  provider: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  outputType: "gen_ai.output.type",
  responseModel: "gen_ai.response.model",
  responseId: "gen_ai.response.id",
  finishReasons: "gen_ai.response.finish_reasons",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  serverAddress: "server.address",
  serverPort: "server.port",
} as const;
