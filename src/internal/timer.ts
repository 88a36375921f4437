/**
 * Node runs a timer of more than 2^31 - 1 ms (about 24.8 days) after 1 ms, with a warning. A
 * month-long approval is a real timeout, so longer waits are chained timers to the same due time.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A cancellable timer of any length; `clearTimer` cancels it. */
export interface Timer {
  handle: ReturnType<typeof setTimeout> | undefined;
}

/** Calls `fire` after `ms` milliseconds, however long that is. */
export function setTimer(fire: () => void, ms: number): Timer {
  const timer: Timer = { handle: undefined };
  if (ms <= MAX_TIMER_MS) {
    timer.handle = setTimeout(fire, ms);
    return timer;
  }
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
  arm(ms);
  return timer;
}

/** Cancels a timer made by `setTimer` (nothing for `undefined`). */
export function clearTimer(timer: Timer | undefined): void {
  if (timer) clearTimeout(timer.handle);
}
