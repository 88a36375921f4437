/**
 * The checks an event passes on its way out of a step (returned, sent, a wait's prompt, a stream
 * write) and a collect's expectation: stepchart's errors, with the event and the step named.
 */
import type { StepDefinition } from "../definition/types.js";
import { EventRoutingError, EventValidationError } from "../errors.js";
import { isTrusted } from "../events/define-event.js";
import type { AnyEvent, AnyEventDef } from "../events/types.js";
import { issuePath, jsonProblem } from "../internal/json.js";
import type { CollectSpec } from "../kernel/draft.js";

/** Checks an event a step returns or sends: an event object, declared in `emits`, valid. */
export function checkEmitted(
  step: StepDefinition,
  event: unknown,
  verb: "sent" | "returned" | "prompted with",
): AnyEvent {
  const where = verb === "sent" ? "ctx.sendEvent" : verb === "returned" ? `step "${step.name}"` : "waitForEvent prompt";
  const ev = checkEventObject(event, where);
  const def = step.emits.find((d) => d.type === ev.type);
  if (!def) {
    const declared = step.emits.map((d) => d.type).join(", ") || "nothing";
    throw new EventRoutingError(
      step.name,
      `Step "${step.name}" ${verb} "${ev.type}", which its \`emits\` does not declare (declares: ${declared})`,
    );
  }
  if (isTrusted(ev, def)) return ev;
  try {
    return def.parse(ev) as AnyEvent;
  } catch (error) {
    // Another definition of the type (the built-in StopEvent where `stop` is typed) or a hand-built object.
    if (!(error instanceof EventValidationError)) throw error;
    throw new EventValidationError(
      ev.type,
      error.issues,
      `Step "${step.name}" ${verb} an invalid "${ev.type}": ${error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
    );
  }
}

/** Rejects anything that is not an `{ type, ...fields }` object. */
export function checkEventObject(event: unknown, where: string): AnyEvent {
  if (typeof event !== "object" || event === null || typeof (event as AnyEvent).type !== "string") {
    throw new EventValidationError(
      typeof event === "object" && event !== null ? String((event as { type?: unknown }).type) : typeof event,
      [{ path: "type", message: `${where}: expected an event object with a string \`type\`` }],
    );
  }
  // A factory checked its own events; anything else must be JSON to be streamed, routed and saved.
  const problem = isTrusted(event) ? null : jsonProblem(event, { allowUndefinedProperties: true });
  if (problem) {
    const issue = { path: issuePath(problem.path), message: problem.reason };
    const type = (event as AnyEvent).type;
    throw new EventValidationError(
      type,
      [issue],
      `${where}: invalid "${type}": ${issue.path || "event"} ${issue.message}`,
    );
  }
  return event as AnyEvent;
}

/** A collect's expectation (event definitions, or counts by type) as the kernel takes it. */
export function toCollectSpec(expected: readonly AnyEventDef[] | Readonly<Record<string, number>>): CollectSpec {
  if (Array.isArray(expected)) {
    const counts = new Map<string, number>();
    const order = (expected as readonly AnyEventDef[]).map((d) => d.type);
    for (const type of order) counts.set(type, (counts.get(type) ?? 0) + 1);
    return { counts: [...counts], order };
  }
  const counts = Object.entries(expected as Record<string, number>);
  for (const [type, n] of counts) {
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new EventValidationError(type, [
        { path: type, message: `collectEvents count must be an integer >= 1, got ${n}` },
      ]);
    }
  }
  return { counts, order: null };
}
