import type { Context, MiddlewareHandler, Next } from "hono";

/**
 * Who may call the server: a hook that looks at each request (true lets it through), or bearer
 * tokens checked against `Authorization: Bearer <token>`. `GET /health` is always open.
 */
export type AuthOption =
  | ((request: Request) => boolean | Promise<boolean>)
  | { readonly bearer: string | readonly string[] };

/** Paths a load balancer or an orchestrator probes without credentials. */
const openPaths = new Set(["/health"]);

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/**
 * Compares two secrets in a time that depends on neither: both are hashed first, so the
 * comparison runs over 32 bytes whatever their lengths, and it never stops at the first difference.
 */
export async function sameSecret(given: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}

/** The token of an `Authorization: Bearer <token>` header, if it has that form. */
function bearerToken(header: string | null): string | undefined {
  const match = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1];
}

function bearerCheck(tokens: readonly string[]): (request: Request) => Promise<boolean> {
  if (tokens.length === 0 || tokens.some((t) => typeof t !== "string" || t === "")) {
    throw new TypeError("auth.bearer needs at least one token, and no empty one");
  }
  return async (request) => {
    const given = bearerToken(request.headers.get("authorization"));
    if (given === undefined) return false;
    // Every token is compared, so the time taken does not say which one (if any) matched.
    const matches = await Promise.all(tokens.map((token) => sameSecret(given, token)));
    return matches.includes(true);
  };
}

function unauthorized(c: Context): Response {
  c.header("WWW-Authenticate", "Bearer");
  return c.json({ code: "UNAUTHORIZED", message: "Missing or invalid credentials" }, 401);
}

/** The middleware that answers 401 to a request the `auth` option does not let through. */
export function authMiddleware(auth: AuthOption): MiddlewareHandler {
  const check =
    typeof auth === "function" ? auth : bearerCheck(typeof auth.bearer === "string" ? [auth.bearer] : auth.bearer);
  return async (c: Context, next: Next) => {
    if (openPaths.has(c.req.path)) return next();
    if (!(await check(c.req.raw))) return unauthorized(c);
    return next();
  };
}
