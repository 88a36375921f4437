import type OpenAI from "openai";
import { WorkflowError } from "../errors.js";

/** The OpenAI API's address, where the SDK goes when no base URL is set. */
export const OPENAI_API = "https://api.openai.com/v1";

/**
 * A call to the model failed. `status` is the HTTP status (undefined for a connection error or a
 * malformed answer); `retryable` and `retryAfterMs` steer the step's retry policy: rate limits
 * (429), server errors (5xx), timeouts and malformed structured answers are retryable, and a 429's
 * `retry-after` is waited out; a 400 or 401 fails at once.
 *
 * @example
 * ```ts
 * const Question = startEvent({ text: z.string() });
 * const ask = workflow({ name: "ask", start: Question }).step(
 *   "ask",
 *   { accepts: Question, emits: [StopEvent], retry: { attempts: 4, delay: 500, backoff: "exponential" } },
 *   async (ctx, ev) => StopEvent({ result: (await llm.complete(ev.text, { ctx })).text }),
 * );
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

/** Where calls go: the SDK's classes (for its errors), the server's URL, and whether no key was given. */
export interface Target {
  readonly sdk: typeof OpenAI;
  readonly url: string;
  readonly missingKey: boolean;
}

/** No key for the OpenAI API itself: every call would be refused, so none is made. */
export function unconfigured(target: Target): boolean {
  return target.missingKey && target.url === OPENAI_API;
}

export function noServer(target: Target): LLMError {
  return new LLMError(
    `No model server is configured: calls would go to ${target.url}, and OPENAI_API_KEY is not set. Set OPENAI_API_KEY (or pass \`apiKey\` to createLLM), or point OPENAI_BASE_URL (or \`baseURL\`) at an OpenAI-compatible server, such as a local Ollama at http://localhost:11434/v1`,
    { retryable: false },
  );
}

/** @internal An SDK error as an `LLMError` that says where the call went. */
export function toLLMError(error: unknown, target: Target): unknown {
  const { APIError, APIUserAbortError } = target.sdk;
  if (error instanceof LLMError) return error;
  if (error instanceof APIUserAbortError) return error; // cancelled: the step's own abort reason follows
  if (error instanceof APIError) {
    const status = error.status;
    const retryAfterMs = retryAfter(error.headers);
    const retryable = status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
    // No answer at all: say where it went, and that no key was given (a likely reason).
    const where = status === undefined ? ` to ${target.url}` : "";
    const hint = status === undefined && target.missingKey ? " (and OPENAI_API_KEY is not set)" : "";
    return new LLMError(`The model call${where} failed (${status ?? "no response"}): ${error.message}${hint}`, {
      status,
      retryable,
      retryAfterMs,
      cause: error,
    });
  }
  return error;
}

function retryAfter(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Number(ms);
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
