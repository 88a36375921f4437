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
  // The header is the message, which may span lines: the frames start at the first "at" line.
  const first = stack.search(/^\s+at /m);
  return first === -1 ? "" : stack.slice(first);
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
 * Starts `error`'s stack at the caller of `api` (V8's `Error.captureStackTrace`; elsewhere the
 * stack stays as it was).
 */
export function captureAt(error: object, api: Api): void {
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
