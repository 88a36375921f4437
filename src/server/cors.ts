import type { MiddlewareHandler } from "hono";
import { type Peer, peer, required } from "../internal/peers.js";

// A subpath of the optional `hono` peer: loaded with it, required only when CORS is turned on.
const corsPeer: Peer<typeof import("hono/cors")> = await peer(import("hono/cors"));

/** Hono's `cors()` options (hono/cors): `{}` allows any origin, without credentials. */
export type CorsOptions = NonNullable<Parameters<typeof import("hono/cors").cors>[0]>;

/**
 * Hono's CORS middleware. It runs before `auth`, so a browser's preflight (which carries no
 * credentials) is answered, and a 401 still has the headers that let the page read it.
 */
export function corsMiddleware(options: CorsOptions): MiddlewareHandler {
  const { cors } = required(corsPeer, "hono", "stepchart/server (cors)", "npm install hono@4");
  return cors(options);
}
