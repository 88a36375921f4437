import type { Context, MiddlewareHandler } from "hono";

const forbidden = (c: Context, message: string) => c.json({ code: "FORBIDDEN", message }, 403);

/**
 * Cross-site request defences a server that takes no credentials (a local dev server, a server
 * without `auth`) needs. A page on another site may send a "simple" POST (a text/plain body, or
 * none, as for cancel) without asking first, and may make a browser GET any URL (an `<img>`, an
 * EventSource), and some GETs change things (streaming a stored run resumes it). So without
 * `cors`, a request of any method is refused with a 403 `FORBIDDEN` when the browser says it
 * comes from another site (`Sec-Fetch-Site: cross-site`) or it carries an `Origin` of another host,
 * but for a link to `/` followed from another site (see `openingThePage`).
 * With `cors` set, the operator decided who may call, and the browser enforces it. Clients that
 * are no browser send neither header and are let through. `hosts`, when given, are the only host
 * names requests may name (`Host`), which stops a DNS-rebound name from reaching a server on
 * 127.0.0.1.
 */
export function originMiddleware(options: { cors: boolean; hosts: readonly string[] | undefined }): MiddlewareHandler {
  const hosts = options.hosts && new Set(options.hosts.map((h) => h.toLowerCase()));
  return async (c, next) => {
    const url = new URL(c.req.url);
    if (hosts && !hosts.has(url.hostname.toLowerCase()))
      return forbidden(c, `This server does not answer to the host name "${url.hostname}"`);
    if (!options.cors) {
      const origin = c.req.header("origin");
      const crossSite = c.req.header("sec-fetch-site") === "cross-site" && !openingThePage(c, url);
      if (crossSite || (origin !== undefined && hostOf(origin) !== url.host))
        return forbidden(c, "Requests from another site are refused (set `cors` to allow one)");
    }
    await next();
  };
}

/**
 * A link to the server's root followed from another site (a chat message, an IDE panel): a
 * top-level GET navigation of `/`, which changes nothing (the dev page, or a 404), so it is let in.
 */
function openingThePage(c: Context, url: URL): boolean {
  return c.req.method === "GET" && url.pathname === "/" && c.req.header("sec-fetch-mode") === "navigate";
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined; // "null" (a sandboxed page, a file): never this server's
  }
}

/** The host names of this machine's loopback interface, for `hosts` when a server binds it. */
export const loopbackHosts: readonly string[] = ["localhost", "127.0.0.1", "[::1]", "::1"];
