import { type Peer, peer, required } from "../internal/peers.js";

// Loaded when stepchart/server loads, so that module still imports without them and the feature
// that needs one throws a MISSING_DEPENDENCY error naming the install command.
const hono: Peer<typeof import("hono")> = await peer(import("hono"));
const nodeServer: Peer<typeof import("@hono/node-server")> = await peer(import("@hono/node-server"));

/** @internal The `hono` module, or a MISSING_DEPENDENCY WorkflowError. */
export function honoModule(): typeof import("hono") {
  return required(hono, "hono", "stepchart/server (createServer)", "npm install hono@4");
}

/** @internal The `@hono/node-server` module, or a MISSING_DEPENDENCY WorkflowError. */
export function nodeServerModule(): typeof import("@hono/node-server") {
  return required(nodeServer, "@hono/node-server", "stepchart/server (serve)", "npm install @hono/node-server@2");
}
