import type { Context, MiddlewareHandler } from "hono";
import { type Peer, peer, required } from "../internal/peers.js";

// A subpath of the optional `hono` peer: loaded with it, required only when a server is created.
const bodyLimitPeer: Peer<typeof import("hono/body-limit")> = await peer(import("hono/body-limit"));

/** Request limits of a server. */
export interface LimitsOption {
  /** The largest request body accepted, in bytes; a larger one is a 413. @default 1 MiB */
  readonly bodyBytes?: number;
  /**
   * How many ended runs the server keeps in memory (their Handler, result and stream tail) for
   * `GET /results`, `/handlers` and late readers. Past it, the oldest ended run is forgotten here:
   * with a store it is then read from its record, without one it is a 404. @default 1000
   */
  readonly endedRuns?: number;
}

export const defaultBodyBytes = 1024 * 1024;
export const defaultEndedRuns = 1000;

/** The `endedRuns` limit, checked. */
export function endedRunsLimit(limits: LimitsOption = {}): number {
  const kept = limits.endedRuns ?? defaultEndedRuns;
  if (!Number.isSafeInteger(kept) || kept < 0) {
    throw new TypeError(`limits.endedRuns must be a whole number of runs (got ${String(kept)})`);
  }
  return kept;
}

/**
 * Refuses a body over the limit with a 413 `PAYLOAD_TOO_LARGE`: at once from its Content-Length,
 * or, for a chunked body, as soon as the bytes read pass the limit (the rest is never read).
 */
export function bodyLimitMiddleware(limits: LimitsOption = {}): MiddlewareHandler {
  const { bodyLimit } = required(bodyLimitPeer, "hono", "stepchart/server (createServer)", "npm install hono@4");
  const maxSize = limits.bodyBytes ?? defaultBodyBytes;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) {
    throw new TypeError(`limits.bodyBytes must be a whole number of bytes (got ${String(maxSize)})`);
  }
  return bodyLimit({
    maxSize,
    onError: (c: Context) =>
      c.json({ code: "PAYLOAD_TOO_LARGE", message: `The request body is larger than ${maxSize} bytes` }, 413),
  });
}
