import { StreamPositionError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { errorOf, terminalOf } from "../kernel/outcome.js";
import type { StoredRun } from "../persistence/store.js";
import { badRequest } from "./errors.js";
import { type EventStreamRequest, formatItem, streamHeaders } from "./event-stream.js";

/** The terminal item of an ended run, rebuilt from its record. */
function terminalOfRecord(stored: StoredRun): AnyEvent {
  const { status, machine } = stored.snapshot;
  const outcome = machine.context.outcome;
  if (outcome) return outcome.status === "completed" ? outcome.stop : terminalOf(errorOf(outcome, undefined));
  // A record the runner marked failed because its state could not be saved keeps no outcome.
  if (status === "cancelled") return { type: "WorkflowCancelledEvent" };
  return {
    type: "WorkflowFailedEvent",
    step: null,
    error: { name: "WorkflowError", message: `The run ended ${status}; its record keeps no more` },
    attempts: 0,
  };
}

/**
 * `GET /events/{id}` for an ended run this process does not hold, answered from its record. The
 * record keeps where the run's stream stood, not its items, so the one item it can give is the
 * terminal one (rebuilt from the outcome, at the position it had): a client that read everything
 * but that gets it, one that read it gets a 204, and one further behind a 410 `STREAM_POSITION`,
 * as from a run whose window dropped the items it asks for. A record written before stream
 * positions were kept knows none: any position but "from the oldest" is a 410.
 */
export function endedRunStream(stored: StoredRun, request: EventStreamRequest): Response {
  const { snapshot } = stored;
  // The last save of a run comes before its terminal item: the mark is that item's position.
  const marked = request.all ? snapshot.stream?.all : snapshot.stream?.published;
  const position = marked ?? 0;
  const after = request.after === "now" ? position : request.after;
  if (marked === undefined && request.after !== "now" && after >= 0)
    throw new StreamPositionError(snapshot.runId, after + 1, 0, "resumed");
  if (after > position) throw badRequest(`position ${after} is past the run's last item (${position})`);
  if (after === position) return new Response(null, { status: 204 });
  if (after !== -1 && after < position - 1)
    throw new StreamPositionError(snapshot.runId, after + 1, position, "resumed");
  const body = formatItem(terminalOfRecord(stored), position, request);
  return new Response(body, { status: 200, headers: streamHeaders(request.sse) });
}
