/**
 * Keeps the process alive while someone waits on a run. A run that waits for a person holds no
 * timer or socket of its own (`timeout: null`, or a clock paused while waiting), so Node would
 * otherwise exit with `await handler` still pending: code 13 and no word, or code 0 from a
 * non-top-level await, and a stored run's lease left behind.
 *
 * One ref'd interval for the whole process, held while any handler is awaited or read: cheaper
 * than a handle per run (a thousand awaited runs cost one timer). Each holder calls `holdProcess`
 * once and `releaseProcess` once.
 */

let holders = 0;
let handle: ReturnType<typeof setInterval> | undefined;

/** Holds the process open until a matching `releaseProcess`. */
export function holdProcess(): void {
  if (holders++ === 0) handle = setInterval(idle, 2 ** 30);
}

/** Lets go of one hold; the process may exit once nobody holds it. */
export function releaseProcess(): void {
  if (--holders === 0) {
    clearInterval(handle);
    handle = undefined;
  }
}

function idle(): void {}
