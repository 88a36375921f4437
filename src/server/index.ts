/**
 * stepchart/server: workflows over HTTP, speaking the LlamaIndex Workflows server API so that
 * `@llamaindex/workflows-client` works against it. Needs the optional peers `hono` and
 * `@hono/node-server` (for `serve`). See docs/server.md.
 *
 * @module
 */

export { createServer, type ServerOptions } from "./app.js";
export type { AuthOption } from "./auth.js";
export type { CorsOptions } from "./cors.js";
export type { EventEnvelope } from "./envelope.js";
export type { ErrorBody, ServerErrorCode } from "./errors.js";
export {
  type DetachReport,
  detachRuns,
  type ResumeReport,
  resumeInterrupted,
  runSnapshot,
} from "./lifecycle.js";
export type { LimitsOption } from "./limits.js";
export { loopbackHosts } from "./origin.js";
export type { HandlerJson, HandlerStatus } from "./registry.js";
export type { ServedWorkflow, ServedWorkflows } from "./runs.js";
export { type RunningServer, type ServeOptions, serve } from "./serve.js";
