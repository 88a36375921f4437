import type { RetryPolicy } from "./types.js";

/**
 * The delay in ms before the attempt after `attempt` (1-based), or `null` when the policy gives up.
 * Pure and deterministic: jitter is drawn from a generator seeded by `seed` (run id, step, attempt),
 * so a replayed run waits the same times.
 */
export function nextRetryDelay(
  policy: RetryPolicy | undefined,
  attempt: number,
  error: unknown,
  seed: string,
): number | null {
  if (!policy || attempt >= policy.attempts) return null;
  // An error may say it is not worth retrying (a 400 from an API), or how long to wait (a 429's
  // retry-after): `{ retryable: false }` / `{ retryAfterMs }` on the thrown value.
  const hints = hintsOf(error);
  if (hints.retryable === false) return null;
  if (policy.retryIf && !policy.retryIf(error, attempt)) return null;
  const base = policy.delay ?? 0;
  let delay = policy.backoff === "exponential" ? base * 2 ** (attempt - 1) : base;
  if (policy.maxDelay !== undefined) delay = Math.min(delay, policy.maxDelay);
  if (policy.jitter) delay = Math.floor(seededRandom(`${seed}:${attempt}`) * (delay + 1));
  if (typeof hints.retryAfterMs === "number" && Number.isFinite(hints.retryAfterMs))
    delay = Math.max(delay, hints.retryAfterMs);
  return Math.max(0, delay);
}

/** The retry hints on a thrown value; none when reading them throws (a revoked Proxy). */
function hintsOf(error: unknown): { retryable?: unknown; retryAfterMs?: unknown } {
  if (typeof error !== "object" || error === null) return {};
  try {
    const { retryable, retryAfterMs } = error as { retryable?: unknown; retryAfterMs?: unknown };
    return { retryable, retryAfterMs };
  } catch {
    return {};
  }
}

/** A uniform number in [0, 1) from a string seed (FNV-1a hash into mulberry32). */
export function seededRandom(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  let t = (h + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
