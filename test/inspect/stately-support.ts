import { createServer } from "node:net";
import { createWebSocketInspector, createWebSocketReceiver, type StatelyInspectionEvent } from "@statelyai/inspect";
import { createInspectorServer } from "@statelyai/inspect/server";

/** Resolves once `ready()` holds, checked every 10 ms, or rejects after `ms`. */
export async function until(ready: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The session id of the marker actor {@link localInspector} sends to know the receiver is connected. */
const READY = "stepchart-test:ready";

/**
 * `@statelyai/inspect`'s local inspector server (the WebSocket relay behind the inspector page) on
 * a free port, an inspector connected to it at ws://127.0.0.1, and a receiver in the place of the
 * page: `received` is what the page would get, in order. Resolves once the receiver is connected,
 * so that it sees a run from its first event rather than the relay's replay buffer (200 events).
 */
export async function localInspector(): Promise<{
  inspector: ReturnType<typeof createWebSocketInspector>;
  received: StatelyInspectionEvent[];
  stop: () => void;
}> {
  const port = await freePort();
  const server = createInspectorServer({ port, autoOpen: false });
  const url = `ws://127.0.0.1:${port}`;
  const received: StatelyInspectionEvent[] = [];
  let connected = false;
  createWebSocketReceiver({ server: url }).subscribe((e) => {
    if (e.sessionId === READY) connected = true;
    else received.push(e);
  });
  const inspector = createWebSocketInspector({ url });
  inspector.actor(READY);
  await until(() => connected, "the receiver to connect");
  return {
    inspector,
    received,
    stop: () => {
      inspector.stop();
      server.stop();
    },
  };
}
