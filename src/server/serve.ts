import type { AddressInfo } from "node:net";
import type { Hono } from "hono";
import { nodeServerModule } from "./peers.js";

/** Options of {@link serve}. */
export interface ServeOptions {
  /** 0 (the default) takes a free port; `port` on the result says which. */
  readonly port?: number;
  /** @default "127.0.0.1": reachable from this machine only, until you choose otherwise. */
  readonly host?: string;
  /**
   * How many connections may wait to be accepted (the listen backlog); raise it for bursts of new
   * clients (1,000 browsers opening their streams at once overflow Node's default). @default 511
   */
  readonly backlog?: number;
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
  const { createAdaptorServer } = nodeServerModule();
  const host = options.host ?? "127.0.0.1";
  const server = createAdaptorServer({ fetch: app.fetch });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port: options.port ?? 0, host, backlog: options.backlog ?? 511 }, () => {
      server.off("error", reject);
      const info = server.address() as AddressInfo;
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
  });
}
