import type { Context, MiddlewareHandler } from "hono";
import { type Peer, peer, required } from "../internal/peers.js";

// A subpath of the optional `hono` peer: loaded with it, required only when a server is created.
const bodyLimitPeer: Peer<typeof import("hono/body-limit")> = await peer(import("hono/body-limit"));

/** Request limits of a server. */
export interface LimitsOption {
  /** The largest request body accepted, in bytes; a larger one is a 413. @default 1 MiB */
  readonly bodyBytes?: number;
}

export const defaultBodyBytes = 1024 * 1024;

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
