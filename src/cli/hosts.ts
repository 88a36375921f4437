import { loopbackHosts } from "../server/index.js";

/** An address of this machine's loopback interface: `serve` and `dev` bound there answer local callers only. */
export const isLoopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.");

/**
 * The host names a server bound to `host` answers to: on loopback, this machine's loopback names
 * and the address it was told to bind (127.0.0.2 is loopback too), so a DNS-rebound name is
 * refused; anywhere else, any name (undefined).
 */
export function allowedHosts(host: string): readonly string[] | undefined {
  if (!isLoopback(host)) return undefined;
  return loopbackHosts.includes(host) ? loopbackHosts : [...loopbackHosts, host];
}
