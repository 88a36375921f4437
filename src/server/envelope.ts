import type { AnyEvent } from "../events/types.js";
import { badRequest } from "./errors.js";

/** An event as the LlamaIndex Workflows API carries it: its type and its fields apart. */
export interface EventEnvelope {
  readonly type: string;
  readonly value: Record<string, unknown>;
  readonly qualified_name?: string;
}

/**
 * The envelope of a stepchart event. stepchart events have no module path, so the qualified name
 * (when asked for) is the type itself.
 */
export function toEnvelope(event: AnyEvent, qualified = false): EventEnvelope {
  const { type, ...value } = event;
  return qualified ? { type, value, qualified_name: type } : { type, value };
}

const envelopeKeys = new Set(["type", "value", "qualified_name", "types"]);

/**
 * The event a request body's `event` names: an envelope `{ type, value }` (or the same as a JSON
 * string, as older clients send it) becomes `{ type, ...value }`; a flat `{ type, ...fields }` is
 * taken as it is. Validation against the workflow is the handler's (`sendEvent`).
 */
export function fromEnvelope(raw: unknown): AnyEvent {
  let event = raw;
  if (typeof event === "string") {
    try {
      event = JSON.parse(event);
    } catch {
      throw badRequest("`event` is a string that is not JSON");
    }
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) {
    throw badRequest("`event` must be an object (or its JSON) with a `type`");
  }
  const record = event as Record<string, unknown>;
  if (typeof record.type !== "string") throw badRequest("`event` has no string `type`");
  const value = record.value;
  const isEnvelope =
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(record).every((k) => envelopeKeys.has(k));
  if (isEnvelope) return { ...(value as Record<string, unknown>), type: record.type };
  const { qualified_name: _q, types: _t, ...flat } = record;
  return flat as AnyEvent;
}
