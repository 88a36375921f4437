import type { AnyEvent, WorkflowHandler } from "../src/index.js";

/** Every item of a handler's stream, in order. */
export async function collectStream(
  handler: WorkflowHandler<unknown, never> | { streamEvents(o?: object): AsyncIterable<AnyEvent> },
  options: { all?: boolean; after?: number } = {},
): Promise<AnyEvent[]> {
  const items: AnyEvent[] = [];
  for await (const ev of handler.streamEvents(options)) items.push(ev);
  return items;
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A promise with its resolve function exposed (a controllable step body). */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
