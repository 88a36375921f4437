/**
 * When step code may start: soon, but never starving the event loop.
 */

/**
 * Invocations start on microtasks (cheap), but a cycle of steps that never await real I/O would
 * then never let a timer, an I/O callback or another run go. So once the current turn of the event
 * loop has run starts for {@link TURN_MS}, the next start waits for the next turn. The clock is
 * read every few starts only.
 */
let turnStarted = 0;
let starts = 0;
let turnWatched = false;
/** Starts put off to the next turn, in order: every later start waits behind them (FIFO). */
let waiting: (() => void)[] | undefined;
const TURN_MS = 4;

export function deferStart(start: () => void): void {
  if (waiting) {
    waiting.push(start);
    return;
  }
  if (!turnWatched) {
    turnWatched = true;
    turnStarted = performance.now();
    nextTurn(() => {
      turnWatched = false;
    });
  }
  if ((++starts & 15) !== 0 || performance.now() - turnStarted < TURN_MS) queueMicrotask(start);
  else {
    waiting = [start];
    nextTurn(startWaiting);
  }
}

function startWaiting(): void {
  const list = waiting ?? [];
  waiting = undefined;
  for (const start of list) queueMicrotask(start);
}

/** The next turn of the event loop: `setImmediate` in Node, a 0 ms timer where it is missing. */
export const nextTurn: (fn: () => void) => void =
  typeof setImmediate === "function" ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);
