/**
 * Stacks that start where a person should look. An error stepchart makes where a run noticed a
 * failure (an XState action, a timer) has frames of stepchart and XState only; these helpers give
 * it the frames of the user's error it wraps, or none.
 */

/** V8 (Node, Deno, Chrome) starts a stack with `name: message`; Firefox and Safari list frames only. */
const stackHasHeader = /^Error: probe\n/.test(read(() => String(new Error("probe").stack), ""));

/** The frame lines of `error`'s stack, without its header (`""` for a value without a stack). */
export function framesOf(error: unknown): string {
  const stack = read(() => (error as { stack?: unknown } | null)?.stack, undefined);
  if (typeof stack !== "string") return "";
  if (!stackHasHeader) return stack;
  // The header is the message, which may span lines and even quote another stack's frames: cut
  // exactly the header V8 wrote (`String(error)`, as its name and message read now).
  const header = read(() => Error.prototype.toString.call(error), undefined);
  if (header !== undefined && stack.startsWith(header)) {
    if (stack.length === header.length) return "";
    if (stack[header.length] === "\n") return stack.slice(header.length + 1);
  }
  return trailingFrames(stack);
}

/**
 * The "at" lines that end `stack`, for a header that no longer reads as the error's name and
 * message (one changed after the stack was read): a message's own lines come before the frames.
 */
function trailingFrames(stack: string): string {
  const lines = stack.split("\n");
  let first = lines.length;
  while (first > 0 && /^\s+at /.test(lines[first - 1] as string)) first--;
  return lines.slice(first).join("\n");
}

/** Gives `error` the stack `name: message` followed by `frames` (none for `""`). */
export function restack(error: Error, frames: string): void {
  const header = stackHasHeader ? `${error.name}: ${error.message}` : "";
  const stack = header && frames ? `${header}\n${frames}` : header || frames;
  read(() => Object.defineProperty(error, "stack", { value: stack, writable: true, configurable: true }), undefined);
}

/** A function a stack can start after. */
export type Api = (...args: never[]) => unknown;

/**
 * How many public calls' synchronous checks are running (a user callback they call, such as a
 * `migrate` hook, runs at 0: it is not stepchart's check).
 */
let checksRunning = 0;

/**
 * The errors stepchart made in those checks. Only their stacks are restarted: an error a user's
 * callback threw, even a stepchart class it made, is the user's object and keeps its stack.
 */
const madeInChecks = new WeakSet<object>();

/** Every stepchart error made so far (a weak set: errors are rare, and it holds none alive). */
const madeByStepchart = new WeakSet<object>();

/** Called by every stepchart error as it is made: one made in a public call's checks is noted. */
export function noteMade(error: object): void {
  madeByStepchart.add(error);
  if (checksRunning > 0) madeInChecks.add(error);
}

/**
 * Runs `checks`, the synchronous part of public function `api`. A stepchart error they made is
 * thrown with its stack starting at the caller of `api`, so the first frame a person reads is their
 * own call, not stepchart's checks; anything else is thrown as it is.
 */
export function withCallerStack<T>(api: Api, checks: () => T): T {
  checksRunning++;
  try {
    return checks();
  } catch (error) {
    // Unmarked as it is restarted: a public call a user's callback makes restarts its own errors
    // at the callback's line, and the outer call, or a later one it is rethrown through, leaves it.
    if (madeInChecks.delete(error as object)) captureAt(error as object, api);
    throw error;
  } finally {
    checksRunning--;
  }
}

/** `callback`, a function of the user's that checks call, run as the user's code (see `madeInChecks`). */
export function userCallback<A extends unknown[], R>(callback: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    const outer = checksRunning;
    checksRunning = 0;
    try {
      return callback(...args);
    } finally {
      checksRunning = outer;
    }
  };
}

/**
 * `error`, thrown by `api`'s checks: a stepchart error has its stack start at the caller of `api`,
 * so a step's misuse of `ctx` points at the step's line.
 */
export function fromCaller<E>(error: E, api: Api): E {
  // Anything else came from the user's code the checks ran (a zod refinement that threw): as it is.
  if (typeof error !== "object" || error === null || !madeByStepchart.has(error)) return error;
  madeInChecks.delete(error);
  captureAt(error, api);
  return error;
}

/** `error`, a stepchart error, with no frames (none of them would be the user's); anything else as it is. */
export function withoutFrames<E>(error: E): E {
  if (error instanceof Error && madeByStepchart.has(error)) restack(error, "");
  return error;
}

/**
 * Starts `error`'s stack at the caller of `api` (V8's `Error.captureStackTrace`; elsewhere the
 * stack stays as it was).
 */
function captureAt(error: object, api: Api): void {
  const capture = (Error as { captureStackTrace?: (target: object, api: Api) => void }).captureStackTrace;
  if (typeof capture === "function") read(() => capture(error, api), undefined);
}

/** A frozen or exotic error may refuse a stack; a stack is never worth a throw. */
function read<T, F>(get: () => T, fallback: F): T | F {
  try {
    return get();
  } catch {
    return fallback;
  }
}
