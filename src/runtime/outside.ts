import type { CompiledTopology } from "../compiler/topology.js";
import { EventValidationError } from "../errors.js";
import { isTrusted } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import { checkEventObject } from "../execution/event-checks.js";

/**
 * Checks an event sent to a run from outside (`handler.sendEvent`, `wf.sendEvent`): an event
 * object, of a type the workflow takes from outside, valid against its definition. Returns the
 * event to deliver; throws `EventValidationError` naming what the workflow accepts.
 */
export function checkOutsideEvent(
  event: unknown,
  topology: CompiledTopology,
  workflow: string,
  where: string,
): AnyEvent {
  const ev = checkEventObject(event, where);
  if (!topology.external.has(ev.type)) {
    const accepted = [...topology.external].sort().join(", ");
    throw new EventValidationError(ev.type, [
      {
        path: "type",
        message: `workflow "${workflow}" does not accept "${ev.type}" from outside (it accepts: ${accepted})`,
      },
    ]);
  }
  const def = topology.eventDefs.get(ev.type);
  return isTrusted(ev, def) || !def ? ev : (def.parse(ev) as AnyEvent);
}
