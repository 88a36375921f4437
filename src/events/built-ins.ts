import { z } from "zod/v4";
import { WorkflowValidationError } from "../errors.js";
import { createEventDef, eventSchema } from "./define-event.js";
import type { EventDef, EventOf, FieldsSchema } from "./types.js";
import { fieldsProblems, schemaProblem } from "./zod-schema.js";

const json = z.unknown();
const errorShape = z.object({ name: z.string(), message: z.string() });

/**
 * The event every run starts with. Loose: it carries the run's input as its fields.
 *
 * @example
 * ```ts
 * workflow({ name: "echo" }).step("echo", { accepts: StartEvent, emits: [StopEvent] }, async (_ctx, ev) =>
 *   StopEvent({ result: ev.text }),
 * );
 * ```
 */
export const StartEvent = createEventDef("StartEvent", z.looseObject({}));
/** The loose start event's object type. */
export type StartEvent = EventOf<typeof StartEvent>;

/**
 * The event that ends a run; its `result` is what `await handler` gives.
 *
 * @example
 * ```ts
 * return StopEvent({ result: "done" });
 * ```
 */
export const StopEvent = createEventDef("StopEvent", z.object({ result: json }));
/** The default stop event's object type. */
export type StopEvent = EventOf<typeof StopEvent>;

/**
 * A typed start event for one workflow. Its `type` is still `"StartEvent"`; its fields are the
 * run's input.
 *
 * @example
 * ```ts
 * const QueryStart = startEvent({ query: z.string(), topK: z.number().default(3) });
 * const wf = workflow({ name: "rag", start: QueryStart });
 * ```
 */
export function startEvent<TSchema extends FieldsSchema>(schema: TSchema): EventDef<"StartEvent", TSchema>;
export function startEvent<const TShape extends z.core.$ZodLooseShape>(
  shape: TShape,
): EventDef<"StartEvent", z.ZodObject<{ -readonly [K in keyof TShape]: TShape[K] }, z.core.$strip>>;
export function startEvent(shapeOrSchema: z.core.$ZodLooseShape | FieldsSchema) {
  const problems = fieldsProblems(shapeOrSchema);
  if (problems.length > 0) throw new WorkflowValidationError(problems, "Cannot define the start event");
  return createEventDef("StartEvent", eventSchema(shapeOrSchema));
}

/**
 * A stop event whose `result` is typed (and validated) by `resultSchema`.
 *
 * @example
 * ```ts
 * const Answer = stopEvent(z.object({ text: z.string() }));
 * const wf = workflow({ name: "qa", stop: Answer });
 * // ... return Answer({ result: { text } });
 * ```
 */
export function stopEvent<TResult extends z.core.$ZodType>(
  resultSchema: TResult,
): EventDef<"StopEvent", z.ZodObject<{ result: TResult }, z.core.$strip>> {
  const problem = schemaProblem("its result schema", resultSchema);
  if (problem) throw new WorkflowValidationError([problem], "Cannot define the stop event");
  return createEventDef("StopEvent", z.object({ result: resultSchema }));
}

/**
 * Published when the run needs a person: returned by a step, or used as a `waitForEvent` prompt.
 * Loose: extra JSON fields are kept.
 *
 * @example
 * ```ts
 * return InputRequiredEvent({ prefix: "Approve this plan? ", payload: plan });
 * ```
 */
export const InputRequiredEvent = createEventDef(
  "InputRequiredEvent",
  z.looseObject({ prefix: z.string().optional(), payload: json.optional() }),
);
/** The object type of {@link InputRequiredEvent}. */
export type InputRequiredEvent = EventOf<typeof InputRequiredEvent>;

/**
 * A person's answer, sent from outside with `handler.sendEvent` (or `actor.send`). Loose.
 *
 * @example
 * ```ts
 * handler.sendEvent(HumanResponseEvent({ response: "yes" }));
 * ```
 */
export const HumanResponseEvent = createEventDef("HumanResponseEvent", z.looseObject({ response: z.string() }));
/** The object type of {@link HumanResponseEvent}. */
export type HumanResponseEvent = EventOf<typeof HumanResponseEvent>;

/**
 * Terminal stream item of a run that exceeded its timeout.
 *
 * @example
 * ```ts
 * for await (const ev of handler.streamEvents()) if (WorkflowTimedOutEvent.is(ev)) console.log(ev.activeSteps);
 * ```
 */
export const WorkflowTimedOutEvent = createEventDef(
  "WorkflowTimedOutEvent",
  z.object({ timeout: z.number(), activeSteps: z.array(z.string()) }),
);
/** The object type of {@link WorkflowTimedOutEvent}. */
export type WorkflowTimedOutEvent = EventOf<typeof WorkflowTimedOutEvent>;

/**
 * Terminal stream item of a cancelled run.
 *
 * @example
 * ```ts
 * if (WorkflowCancelledEvent.is(last)) console.log("cancelled");
 * ```
 */
export const WorkflowCancelledEvent = createEventDef("WorkflowCancelledEvent", z.object({}));
/** The object type of {@link WorkflowCancelledEvent}. */
export type WorkflowCancelledEvent = EventOf<typeof WorkflowCancelledEvent>;

/**
 * Terminal stream item of a failed run. `step` is `null` when the run stalled.
 *
 * @example
 * ```ts
 * if (WorkflowFailedEvent.is(last)) console.log(last.step, last.error.message, last.attempts);
 * ```
 */
export const WorkflowFailedEvent = createEventDef(
  "WorkflowFailedEvent",
  z.object({ step: z.string().nullable(), error: errorShape, attempts: z.number() }),
);
/** The object type of {@link WorkflowFailedEvent}. */
export type WorkflowFailedEvent = EventOf<typeof WorkflowFailedEvent>;

/**
 * Recorded when an event sent to the raw actor was invalid or unknown: it was not routed.
 * Visible with `streamEvents({ all: true })` and to inspectors.
 *
 * @example
 * ```ts
 * for await (const ev of handler.streamEvents({ all: true })) if (EventRejectedEvent.is(ev)) console.log(ev.issues);
 * ```
 */
export const EventRejectedEvent = createEventDef(
  "EventRejectedEvent",
  z.object({ event: json, issues: z.array(z.object({ path: z.string(), message: z.string() })) }),
);
/** The object type of {@link EventRejectedEvent}. */
export type EventRejectedEvent = EventOf<typeof EventRejectedEvent>;

/**
 * `streamEvents({ all: true })` item: a step invocation started an attempt.
 *
 * @example
 * ```ts
 * if (StepStartedEvent.is(ev)) console.log(`${ev.step}#${ev.invocation} on ${ev.event}`);
 * ```
 */
export const StepStartedEvent = createEventDef(
  "StepStartedEvent",
  z.object({ step: z.string(), invocation: z.number(), event: z.string() }),
);
/** The object type of {@link StepStartedEvent}. */
export type StepStartedEvent = EventOf<typeof StepStartedEvent>;

/**
 * `streamEvents({ all: true })` item: a step invocation ended (`output` is the returned event's type),
 * is about to retry, or failed for good.
 *
 * @example
 * ```ts
 * if (StepFinishedEvent.is(ev) && ev.status === "failed") console.log(ev.error);
 * ```
 */
export const StepFinishedEvent = createEventDef(
  "StepFinishedEvent",
  z.object({
    step: z.string(),
    invocation: z.number(),
    status: z.enum(["completed", "retrying", "failed"]),
    output: z.string().nullable(),
    error: errorShape.optional(),
  }),
);
/** The object type of {@link StepFinishedEvent}. */
export type StepFinishedEvent = EventOf<typeof StepFinishedEvent>;
