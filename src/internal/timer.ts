/**
 * stepchart's one source of time: every run deadline, step timeout, retry delay and
 * `waitForEvent` timeout reads `now()` and arms `setTimer`, so a test can put a manual clock in
 * their place (`useManualClock()` of `stepchart/testing`) and drive a run's timers without waiting.
 *
 * The clock is process-wide, not a run option: the kernel plans each machine event in XState guards,
 * which see only the context and the event (pure `transition()` calls plan alike), so the time a
 * pause or a retry reads cannot come from the run's actor.
 */

/**
 * What stepchart reads the time from and arms its timers on. A handle is whatever `setTimeout`
 * returns; only the same clock's `clearTimeout` reads it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fire: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Node runs a timer of more than 2^31 - 1 ms (about 24.8 days) after 1 ms, with a warning. A
 * month-long approval is a real timeout, so longer waits are chained timers to the same due time.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A host timer, re-armed in place while a long wait is chained. */
interface HostTimer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

/** The host's clock: `Date.now()` and the global timers, the long ones chained. */
const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fire, ms): HostTimer {
    const timer: HostTimer = { handle: undefined };
    const due = Date.now() + ms;
    const arm = (left: number) => {
      timer.handle = setTimeout(
        () => {
          const rest = due - Date.now();
          if (rest > 0) arm(rest);
          else fire();
        },
        Math.min(left, MAX_TIMER_MS),
      );
    };
    if (ms <= MAX_TIMER_MS) timer.handle = setTimeout(fire, ms);
    else arm(ms);
    return timer;
  },
  clearTimeout(timer) {
    clearTimeout((timer as HostTimer).handle);
  },
};

/**
 * The clocks installed and not yet uninstalled, latest last; stepchart uses the latest. Tests
 * uninstall in any order (an `afterEach` runs before an `onTestFinished`), so each uninstalls its
 * own entry, not whatever happens to be on top.
 */
const installed: { readonly clock: Clock }[] = [];

let active: Clock = systemClock;

/** A cancellable timer of any length; `clearTimer` cancels it on the clock that armed it. */
export interface Timer {
  readonly clock: Clock;
  readonly handle: unknown;
}

/** The current time on stepchart's clock, in milliseconds since the epoch. */
export function now(): number {
  return active.now();
}

/** Calls `fire` after `ms` milliseconds of stepchart's clock, however long that is. */
export function setTimer(fire: () => void, ms: number): Timer {
  return { clock: active, handle: active.setTimeout(fire, ms) };
}

/** Cancels a timer made by `setTimer` (nothing for `undefined`). */
export function clearTimer(timer: Timer | undefined): void {
  if (timer) timer.clock.clearTimeout(timer.handle);
}

/**
 * Makes `clock` stepchart's clock until the returned function is called, which gives it back the
 * latest clock installed and not uninstalled since (the host's when none is left); calling it again
 * does nothing. Timers already armed stay on the clock that armed them.
 */
export function installClock(clock: Clock): () => void {
  const entry = { clock };
  installed.push(entry);
  active = clock;
  return () => {
    const at = installed.indexOf(entry);
    if (at === -1) return;
    installed.splice(at, 1);
    active = installed.at(-1)?.clock ?? systemClock;
  };
}
