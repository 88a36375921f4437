import { describe, expect, it } from "vitest";
import { nextRetryDelay, seededRandom } from "../../src/definition/retry.js";

const boom = new Error("boom");

describe("nextRetryDelay", () => {
  it("gives up without a policy", () => {
    expect(nextRetryDelay(undefined, 1, boom, "run:step")).toBeNull();
  });

  it("gives up at once for an error that says it is not retryable", () => {
    const error = Object.assign(new Error("bad request"), { retryable: false });
    expect(nextRetryDelay({ attempts: 5, delay: 10 }, 1, error, "s")).toBeNull();
  });

  it("waits at least the retry-after an error carries (a 429), within the attempts", () => {
    const error = Object.assign(new Error("slow down"), { retryAfterMs: 1_500 });
    expect(nextRetryDelay({ attempts: 3, delay: 100 }, 1, error, "s")).toBe(1_500);
    expect(nextRetryDelay({ attempts: 3, delay: 2_000 }, 1, error, "s")).toBe(2_000);
    expect(nextRetryDelay({ attempts: 1 }, 1, error, "s")).toBeNull();
  });

  it("gives up once attempts are exhausted", () => {
    const policy = { attempts: 3, delay: 100 };
    expect(nextRetryDelay(policy, 1, boom, "s")).toBe(100);
    expect(nextRetryDelay(policy, 2, boom, "s")).toBe(100);
    expect(nextRetryDelay(policy, 3, boom, "s")).toBeNull();
    expect(nextRetryDelay(policy, 4, boom, "s")).toBeNull();
  });

  it("never retries a policy with one attempt", () => {
    expect(nextRetryDelay({ attempts: 1, delay: 10 }, 1, boom, "s")).toBeNull();
  });

  it("defaults to no delay", () => {
    expect(nextRetryDelay({ attempts: 2 }, 1, boom, "s")).toBe(0);
  });

  it("uses a fixed delay by default", () => {
    const policy = { attempts: 5, delay: 250 };
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(policy, n, boom, "s"))).toEqual([250, 250, 250, 250]);
    expect(nextRetryDelay({ ...policy, backoff: "fixed" as const }, 3, boom, "s")).toBe(250);
  });

  it("doubles the delay with exponential backoff", () => {
    const policy = { attempts: 6, delay: 100, backoff: "exponential" as const };
    expect([1, 2, 3, 4, 5].map((n) => nextRetryDelay(policy, n, boom, "s"))).toEqual([100, 200, 400, 800, 1600]);
  });

  it("caps the delay with maxDelay", () => {
    const policy = { attempts: 6, delay: 100, backoff: "exponential" as const, maxDelay: 350 };
    expect([1, 2, 3, 4].map((n) => nextRetryDelay(policy, n, boom, "s"))).toEqual([100, 200, 350, 350]);
    expect(nextRetryDelay({ attempts: 2, delay: 500, maxDelay: 50 }, 1, boom, "s")).toBe(50);
  });

  it("draws jitter deterministically from the seed", () => {
    const policy = { attempts: 5, delay: 1000, jitter: true };
    const first = nextRetryDelay(policy, 2, boom, "run-1:step");
    expect(nextRetryDelay(policy, 2, boom, "run-1:step")).toBe(first);
    expect(Number.isInteger(first)).toBe(true);
  });

  it("draws jitter uniformly within [0, capped delay]", () => {
    const policy = { attempts: 5, delay: 100, backoff: "exponential" as const, maxDelay: 300, jitter: true };
    const values = Array.from({ length: 200 }, (_, i) => nextRetryDelay(policy, 3, boom, `run-${i}:step`) as number);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(300);
    }
    expect(new Set(values).size).toBeGreaterThan(50);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(100);
    expect(mean).toBeLessThan(200);
  });

  it("varies jitter with the seed and the attempt", () => {
    const policy = { attempts: 10, delay: 1_000_000, jitter: true };
    const a = nextRetryDelay(policy, 1, boom, "run-a:step");
    const b = nextRetryDelay(policy, 1, boom, "run-b:step");
    const a2 = nextRetryDelay(policy, 2, boom, "run-a:step");
    expect(new Set([a, b, a2]).size).toBe(3);
  });

  it("fails at once when retryIf returns false, passing the error and the attempt", () => {
    const seen: [unknown, number][] = [];
    const policy = {
      attempts: 5,
      delay: 10,
      retryIf: (error: unknown, attempt: number) => {
        seen.push([error, attempt]);
        return attempt < 2;
      },
    };
    expect(nextRetryDelay(policy, 1, boom, "s")).toBe(10);
    expect(nextRetryDelay(policy, 2, boom, "s")).toBeNull();
    expect(seen).toEqual([
      [boom, 1],
      [boom, 2],
    ]);
  });

  it("does not consult retryIf once attempts are exhausted", () => {
    let calls = 0;
    const policy = {
      attempts: 2,
      retryIf: () => {
        calls++;
        return true;
      },
    };
    expect(nextRetryDelay(policy, 2, boom, "s")).toBeNull();
    expect(calls).toBe(0);
  });
});

describe("seededRandom", () => {
  it("returns the same number in [0, 1) for the same seed", () => {
    const x = seededRandom("abc");
    expect(seededRandom("abc")).toBe(x);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThan(1);
    expect(seededRandom("abd")).not.toBe(x);
  });
});
