import { StreamPositionError } from "../errors.js";
import { errorOf, terminalOf } from "../kernel/outcome.js";
import type { StoredRun } from "../persistence/store.js";
import { ApiError, badRequest } from "./errors.js";
import { type EventStreamRequest, formatItem, streamHeaders } from "./event-stream.js";

/**
 * `GET /events/{id}` for an ended run this process does not hold, answered from its record. The
 * record keeps where the run's stream stood, not its items, so the one item it can give is the
 * terminal one (rebuilt from the outcome, at the position it had): a client that read everything
 * but that gets it, one that read it gets a 204, and one further behind a 410 `STREAM_POSITION`,
 * as from a run whose window dropped the items it asks for.
 */
export function endedRunStream(stored: StoredRun, request: EventStreamRequest): Response {
  const { snapshot } = stored;
  const outcome = snapshot.machine.context.outcome;
  if (!outcome) throw new ApiError(409, "WORKFLOW_STATE", `Handler "${snapshot.runId}" has no outcome in its record`);
  const terminal = outcome.status === "completed" ? outcome.stop : terminalOf(errorOf(outcome, undefined));
  // The last save of a run comes before its terminal item: the mark is that item's position.
  const position = (request.all ? snapshot.stream?.all : snapshot.stream?.published) ?? 0;
  const after = request.after === "now" ? position : request.after;
  if (after > position) throw badRequest(`position ${after} is past the run's last item (${position})`);
  if (after === position) return new Response(null, { status: 204 });
  if (after !== -1 && after < position - 1)
    throw new StreamPositionError(snapshot.runId, after + 1, position, "resumed");
  return new Response(formatItem(terminal, position, request), { status: 200, headers: streamHeaders(request.sse) });
}
