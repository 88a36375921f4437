/**
 * (g) The server under test, in its own process so its heap is its own: the built
 * `stepchart/server` serving the load workflows on 127.0.0.1 at a free port, with the defaults
 * (no auth, heartbeats every 15 s). Forked by server-load.ts with `--expose-gc`; talks over IPC:
 * it sends `{ port }` once it listens, answers `"heap"` with its heap after gc and `"cpu"` with the
 * CPU time it has used, and `"close"` closes the server (streams included) and exits. Nothing
 * here is in the library: these reports are the bench's own.
 */
import type * as Server from "../../src/server/index.js";
import { servedWorkflows } from "../workloads/server-flows.js";

const built = "../../dist/server.js";
const { createServer, serve } = (await import(built)) as typeof Server;

/** What the child sends its parent. */
export type ChildMessage =
  | { readonly kind: "listening"; readonly port: number }
  | { readonly kind: "heap"; readonly heapUsed: number }
  | { readonly kind: "cpu"; readonly ms: number }
  | { readonly kind: "closed" };

/** What the parent asks. */
export type ParentMessage = "heap" | "cpu" | "close";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !process.send) throw new Error("server-child.ts is forked by server-load.ts, with --expose-gc");

const send = (message: ChildMessage) => process.send?.(message);
const server = await serve(createServer({ workflows: servedWorkflows }), { port: 0 });
let closing: Promise<void> | undefined;
const close = () => {
  closing ??= server.close();
  return closing;
};

process.on("message", async (message: ParentMessage) => {
  if (message === "heap") {
    gc();
    gc();
    send({ kind: "heap", heapUsed: process.memoryUsage().heapUsed });
  } else if (message === "cpu") {
    const { user, system } = process.cpuUsage();
    send({ kind: "cpu", ms: (user + system) / 1000 });
  } else if (message === "close") {
    await close();
    send({ kind: "closed" });
    process.disconnect();
  }
});
// A parent that dies without saying "close" takes its child with it.
process.on("disconnect", () => void close().finally(() => process.exit(0)));

send({ kind: "listening", port: server.port });
