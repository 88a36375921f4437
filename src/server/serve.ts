import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { nodeServerModule } from "./peers.js";

/** Options of {@link serve}. */
export interface ServeOptions {
  /** 0 (the default) takes a free port; `port` on the result says which. */
  readonly port?: number;
  /** @default "127.0.0.1": reachable from this machine only, until you choose otherwise. */
  readonly host?: string;
}

/** A running server. */
export interface RunningServer {
  readonly port: number;
  readonly host: string;
  /** Stops accepting connections and closes the open ones (streams included). */
  close(): Promise<void>;
}

/**
 * Serves an app (see `createServer`) on Node with `@hono/node-server`; resolves once it listens.
 *
 * @example
 * ```ts
 * const server = await serve(createServer({ workflows: { approval } }), { port: 8000 });
 * // ...
 * await server.close();
 * ```
 */
export function serve(app: Hono, options: ServeOptions = {}): Promise<RunningServer> {
  const { serve: listen } = nodeServerModule();
  const host = options.host ?? "127.0.0.1";
  return new Promise((resolve, reject) => {
    const server = listen({ fetch: app.fetch, port: options.port ?? 0, hostname: host }, (info: AddressInfo) => {
      server.off("error", reject);
      resolve({
        port: info.port,
        host,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            if ("closeAllConnections" in server) server.closeAllConnections();
          }),
      });
    });
    server.once("error", reject);
  });
}
