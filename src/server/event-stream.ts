import { StreamPositionError } from "../errors.js";
import type { AnyEvent } from "../events/types.js";
import { streamWithPositions } from "../runtime/handler.js";
import { toEnvelope } from "./envelope.js";
import { badRequest } from "./errors.js";
import type { HandlerEntry } from "./registry.js";

/** What `GET /events/{handler_id}` asks for. */
export interface EventStreamRequest {
  /** Server-Sent Events (the default), or NDJSON. */
  readonly sse: boolean;
  /** Add the run's internal traffic (step started/finished, returned and sent events). */
  readonly all: boolean;
  readonly qualified: boolean;
  /** Start after this position; -1: from the oldest item the run holds; "now": only new items. */
  readonly after: number | "now";
}

/** `after_sequence` or `Last-Event-ID`: "now", -1, or a position. */
export function parseAfter(text: string | undefined, name: string): number | "now" | undefined {
  if (text === undefined || text === "") return undefined;
  if (text === "now") return "now";
  // Digits only: `Number` would also take "1e3", "0x1" and " 5 ".
  const n = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < -1) throw badRequest(`\`${name}\` must be "now", -1 or a stream position`);
  return n;
}

type Reader = {
  iterator: AsyncIterator<AnyEvent>;
  /** Stops the reader at once, even while it waits for the run's next item (a client gone). */
  stop: AbortController;
  first: Promise<IteratorResult<AnyEvent>>;
  /** The position of the item the last `next()` resolved with. */
  at: { position: number };
};

/**
 * Starts reading the run's stream after `after`; -1 starts at the oldest item it still holds. A
 * position the run has dropped throws StreamPositionError here, before any response is sent: the
 * generator checks it as soon as it is first asked, so it has failed by the next macrotask if at all.
 */
async function openReader(entry: HandlerEntry, all: boolean, after: number): Promise<Reader> {
  // Not pinning: a client that stops reading must not hold the run's items past its window.
  const at = { position: after };
  // -1 asks for the oldest item held: no position to check.
  const stop = new AbortController();
  const base = { all, pin: false, signal: stop.signal };
  const options = after === -1 ? base : { ...base, after };
  const stream = entry.handler[streamWithPositions](options, at);
  const iterator = stream[Symbol.asyncIterator]();
  const first = iterator.next();
  const early = await Promise.race([
    first.then(
      () => undefined,
      (error: unknown) => error,
    ),
    new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 0)),
  ]);
  if (early === undefined) return { iterator, stop, first, at };
  throw early;
}

const encoder = new TextEncoder();

/** One stream item on the wire: an SSE event with its position as `id`, or an NDJSON line with `sequence`. */
export function formatItem(event: AnyEvent, at: number, request: EventStreamRequest): string {
  const envelope = toEnvelope(event, request.qualified);
  return request.sse
    ? `id: ${at}\ndata: ${JSON.stringify(envelope)}\n\n`
    : `${JSON.stringify({ ...envelope, sequence: at })}\n`;
}

/** The headers of a stream response. */
export function streamHeaders(sse: boolean): Record<string, string> {
  return sse
    ? { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" }
    : { "content-type": "application/x-ndjson", "cache-control": "no-cache" };
}

/**
 * The response of `GET /events/{handler_id}`: each item an envelope `{ type, value }`, numbered
 * with its stream position (the SSE `id:`, an NDJSON line's `sequence`), ending after the run's
 * terminal item; 204 when the run has ended and nothing is left after `after`.
 */
export async function eventStreamResponse(entry: HandlerEntry, request: EventStreamRequest): Promise<Response> {
  const { all } = request;
  await entry.handler.loaded; // a resumed run knows its stream positions once loaded
  const after = request.after === "now" ? entry.end(all) - 1 : request.after;
  // A position the run has not reached was never sent: waiting after it would skip what comes. In
  // a run resumed here, it may have been sent before a crash, after the last save: lost.
  if (after >= entry.end(all)) {
    if (entry.resumed) throw new StreamPositionError(entry.id, after + 1, entry.end(all), "resumed");
    throw badRequest(`position ${after} is past the run's last item (${entry.end(all) - 1})`);
  }
  if (entry.status !== "running") {
    await entry.done;
    if (after + 1 >= entry.end(all)) return new Response(null, { status: 204 });
  }
  const reader = await openReader(entry, all, after);
  let pending: Promise<IteratorResult<AnyEvent>> | undefined = reader.first;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: IteratorResult<AnyEvent>;
      try {
        next = await (pending ?? reader.iterator.next());
      } catch {
        // Lapped: the reader fell behind the run's window. Ending the response makes the client
        // reconnect with its last position, which is then refused with STREAM_POSITION (410).
        return controller.close();
      }
      pending = undefined;
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(formatItem(next.value, reader.at.position, request)));
    },
    cancel() {
      // The abort ends a read waiting for the run's next item; return() is queued behind it.
      reader.stop.abort();
      reader.iterator.return?.().catch(() => undefined);
    },
  });
  return new Response(body, { status: 200, headers: streamHeaders(request.sse) });
}
