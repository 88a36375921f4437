import type { Context, MiddlewareHandler, Next } from "hono";

/** An SSE comment: every reader ignores it, and it is traffic that keeps proxies from timing out. */
const keepAlive = new TextEncoder().encode(": keep-alive\n\n");

export const defaultHeartbeatMs = 15_000;

/**
 * The same byte stream, with a keep-alive comment whenever it has been idle for `everyMs`. The
 * timer runs only while the reader waits for bytes: a reader that does not read gets no
 * heartbeats queued up, so a slow one costs nothing more.
 */
export function withHeartbeats(body: ReadableStream<Uint8Array>, everyMs: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  // A read outlives the heartbeats sent while waiting for it: the next pull takes it up again.
  let pending: ReturnType<typeof reader.read> | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const read = pending ?? reader.read();
      pending = read;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<"idle">((resolve) => {
        timer = setTimeout(() => resolve("idle"), everyMs);
      });
      const next = await Promise.race([read, idle]).finally(() => clearTimeout(timer));
      if (next === "idle") return controller.enqueue(keepAlive);
      pending = undefined;
      if (next.done) return controller.close();
      controller.enqueue(next.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}

const isEventStream = (response: Response) =>
  response.status === 200 &&
  response.body !== null &&
  (response.headers.get("content-type") ?? "").startsWith("text/event-stream");

/**
 * Adds heartbeats to every Server-Sent Events response (NDJSON has no comment line a reader
 * would skip, so it is left as it is). `everyMs` 0 turns them off.
 */
export function heartbeatMiddleware(everyMs: number): MiddlewareHandler {
  if (!(Number.isFinite(everyMs) && everyMs >= 0)) {
    throw new TypeError(`heartbeatMs must be a number of milliseconds, 0 for none (got ${String(everyMs)})`);
  }
  return async (c: Context, next: Next) => {
    await next();
    if (everyMs === 0 || !isEventStream(c.res) || !c.res.body) return;
    c.res = new Response(withHeartbeats(c.res.body, everyMs), c.res);
  };
}
