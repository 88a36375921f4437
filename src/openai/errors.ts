import { WorkflowError } from "../errors.js";

/**
 * A call to the model failed. `status` is the HTTP status (undefined for a connection error or a
 * malformed answer); `retryable` and `retryAfterMs` steer the step's retry policy: rate limits
 * (429), server errors (5xx), timeouts and malformed structured answers are retryable, and a 429's
 * `retry-after` is waited out; a 400 or 401 fails at once.
 *
 * @example
 * ```ts
 * .step("ask", { accepts: Question, emits: [Answer], retry: { attempts: 4, delay: 500, backoff: "exponential" } },
 *   async (ctx, ev) => Answer({ text: (await llm.complete(ev.text, { ctx })).text }))
 * // a run that still fails rejects with WorkflowStepError whose cause is an LLMError
 * ```
 */
export class LLMError extends WorkflowError {
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(
    message: string,
    options: { status?: number | undefined; retryable: boolean; retryAfterMs?: number | undefined; cause?: unknown },
  ) {
    super("LLM", message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
  }
}
