import { WorkflowValidationError } from "../errors.js";

/**
 * The `retain` run option: how much of its record a run keeps while it runs.
 *
 * @example
 * ```ts
 * // An agent loop of a million steps: keep the last 1,000 items of each stream view (and of the trace).
 * const handler = agent.run({ goal }, { retain: { items: 1_000 } });
 * ```
 */
export interface RetainOptions {
  /**
   * How many of the most recent items each stream view keeps (the `all` view is also what
   * `traceRun` reads). Older items are dropped, except those a reader that is iterating has yet
   * to read. `Infinity` keeps everything. @default 10_000
   */
  readonly items?: number;
}

/** Enough for the whole record of any ordinary run; a long loop keeps its last steps. */
export const DEFAULT_RETAINED_ITEMS = 10_000;

/** The number of items to keep; throws `WorkflowValidationError` for anything but an integer >= 1 or Infinity. */
export function retainedItems(retain: RetainOptions | undefined): number {
  const items = retain?.items ?? DEFAULT_RETAINED_ITEMS;
  if (items === Number.POSITIVE_INFINITY || (Number.isInteger(items) && items >= 1)) return items;
  throw new WorkflowValidationError(
    [`option \`retain.items\` must be an integer >= 1 or Infinity, got ${String(items)}`],
    "Run options are invalid",
  );
}
