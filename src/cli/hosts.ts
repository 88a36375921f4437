import { loopbackHosts } from "../server/index.js";

/** An address of this machine's loopback interface: `serve` and `dev` bound there answer local callers only. */
export const isLoopback = (host: string) => {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  return bare === "localhost" || bare.startsWith("127.") || /^(0{1,4}:){7}0{0,3}1$|^::(0{0,3}1)$/.test(bare);
};

/**
 * The host names a server bound to `host` answers to: on loopback, this machine's loopback names
 * and the address it was told to bind (127.0.0.2 is loopback too), so a DNS-rebound name is
 * refused; anywhere else, any name (undefined).
 */
export function allowedHosts(host: string): readonly string[] | undefined {
  if (!isLoopback(host)) return undefined;
  return loopbackHosts.includes(host) ? loopbackHosts : [...loopbackHosts, host];
}
