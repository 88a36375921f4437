import { type Clock, installClock } from "../internal/timer.js";

/**
 * A clock a test moves by hand, in place of stepchart's: run deadlines, step timeouts, retry
 * delays and `waitForEvent` timeouts wait for {@link ManualClock.advance}, not for real time.
 *
 * @example
 * ```ts
 * const clock = useManualClock();
 * // Observed before the time moves: a run that ends unobserved is an unhandled rejection.
 * const outcome = wf.run({ topic: "tea" }).catch((e: unknown) => e); // `timeout: 60_000`
 * await clock.advance(60_000); // a minute passes at once
 * expect(await outcome).toBeInstanceOf(WorkflowTimeoutError);
 * clock.restore();
 * ```
 */
export interface ManualClock {
  /** The clock's time, in milliseconds since the epoch. */
  now(): number;
  /** How many timers are armed and have not fired. */
  readonly pending: number;
  /**
   * Moves the time forward by `ms`, firing each timer that falls due on the way, earliest first,
   * at its due time. Before each timer and at the end it lets runs react (a few turns of the event
   * loop), so what a timer sets off (a retry's next attempt, its own step timeout) is armed before
   * the time moves on. A step waiting on real I/O is not waited for: wait for what it does (a
   * stream item, say) before advancing. `advance(0)` fires the timers due now.
   */
  advance(ms: number): Promise<void>;
  /**
   * Stops stepchart using this clock: it goes back to the latest other manual clock still in use,
   * or to the real time when there is none (so clocks can be restored in any order). Timers still
   * armed here never fire. A second call does nothing.
   */
  restore(): void;
}

/**
 * Options of {@link useManualClock}.
 *
 * @example
 * ```ts
 * const clock = useManualClock({ start: Date.parse("2030-01-01T00:00:00Z") }); // runs see 2030
 * ```
 */
export interface ManualClockOptions {
  /** The time it starts at (ms since the epoch); the real time by default. */
  readonly start?: number;
}

interface Armed {
  readonly due: number;
  readonly order: number;
  readonly fire: () => void;
}

/** Turns of the event loop a run gets to react to a timer: step starts take at most two. */
const SETTLE_TURNS = 5;

/** A real turn of the event loop, taken before a test could fake the host's timers. */
const hostTurn: () => Promise<void> =
  typeof setImmediate === "function"
    ? (
        (immediate) => () =>
          new Promise<void>((resolve) => immediate(resolve))
      )(setImmediate)
    : (
        (timeout) => () =>
          new Promise<void>((resolve) => timeout(resolve, 0))
      )(setTimeout);

/**
 * Makes stepchart's clock a manual one until `restore()`: every run of this process reads its time
 * and arms its timers there (only stepchart's: a step's own timers, the test runner's and other
 * libraries' keep the real time). Store leases stay on the real clock: they are shared with other
 * processes and, in PostgreSQL, read the database's time.
 *
 * @example
 * ```ts
 * import { useManualClock } from "stepchart/testing";
 *
 * let clock: ManualClock;
 * beforeEach(() => { clock = useManualClock(); });
 * afterEach(() => clock.restore());
 *
 * it("retries after its backoff", async () => {
 *   const result = flaky.run({ url }); // retry: { attempts: 3, delay: 1_000, backoff: "exponential" }
 *   const settled = expect(result).resolves.toBe("ok"); // observed before the time moves
 *   await clock.advance(3_000); // both delays pass, with no sleep
 *   await settled;
 * });
 * ```
 */
export function useManualClock(options: ManualClockOptions = {}): ManualClock {
  let time = options.start ?? Date.now();
  let order = 0;
  const armed = new Set<Armed>();
  const clock: Clock = {
    now: () => time,
    setTimeout(fire, ms) {
      const timer: Armed = { due: time + Math.max(0, ms), order: order++, fire };
      armed.add(timer);
      return timer;
    },
    clearTimeout(timer) {
      armed.delete(timer as Armed);
    },
  };
  const earliestBy = (until: number): Armed | undefined => {
    let first: Armed | undefined;
    for (const timer of armed) {
      if (timer.due > until) continue;
      if (!first || timer.due < first.due || (timer.due === first.due && timer.order < first.order)) first = timer;
    }
    return first;
  };
  const settle = async () => {
    for (let turn = 0; turn < SETTLE_TURNS; turn++) await hostTurn();
  };
  const uninstall = installClock(clock);
  return {
    now: () => time,
    get pending() {
      return armed.size;
    },
    async advance(ms) {
      if (!(ms >= 0) || !Number.isFinite(ms)) throw new RangeError(`advance() needs a finite ms >= 0, not ${ms}`);
      const target = time + ms;
      await settle();
      for (let timer = earliestBy(target); timer; timer = earliestBy(target)) {
        armed.delete(timer);
        time = Math.max(time, timer.due);
        timer.fire();
        await settle();
      }
      time = target;
    },
    restore: uninstall,
  };
}
