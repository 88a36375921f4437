/**
 * Small helpers shared by the examples: a "run me when executed directly" guard, the model and the
 * run timeout from the environment, and printers that show a run as it happens.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AnyEvent, StepFinishedEvent, StepStartedEvent } from "../src/index.js";
import { createLLM, type LLM, TokenEvent } from "../src/openai/index.js";

/**
 * A model when one is configured (`OPENAI_API_KEY`, or `OPENAI_BASE_URL` for a local server such as
 * Ollama), else `undefined`: the examples then take their offline path. `STEPCHART_MODEL` picks the
 * model (default `gpt-4o-mini`), `STEPCHART_EMBEDDING_MODEL` the embedding model.
 */
export function llmFromEnv(env: NodeJS.ProcessEnv = process.env): LLM | undefined {
  if (!env.OPENAI_API_KEY && !env.OPENAI_BASE_URL) return undefined;
  return createLLM({
    model: env.STEPCHART_MODEL ?? "gpt-4o-mini",
    ...(env.STEPCHART_EMBEDDING_MODEL ? { embeddingModel: env.STEPCHART_EMBEDDING_MODEL } : {}),
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
  });
}

/**
 * True when the module at `moduleUrl` is the script node/tsx was asked to run (not an import).
 * Use as `if (isMain(import.meta.url)) await main();`. Symlinked paths are resolved first.
 */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  if (moduleUrl === pathToFileURL(script).href) return true;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/** Options every example's `main()` takes. */
export interface MainOptions {
  /** Print each step start and finish (the showcase turns this on). */
  readonly trace?: boolean;
}

/** Formats a step lifecycle item of `streamEvents({ all: true })`, or returns undefined for other items. */
export function describeStep(ev: AnyEvent): string | undefined {
  if (StepStartedEvent.is(ev)) return `  → ${ev.step} started on ${ev.event}`;
  if (StepFinishedEvent.is(ev)) {
    if (ev.status === "completed") return `  ← ${ev.step} returned ${ev.output ?? "nothing"}`;
    return `  ✗ ${ev.step} ${ev.status}: ${ev.error?.message ?? "unknown error"}`;
  }
  return undefined;
}

/**
 * Prints "→ step started on Event" / "← step returned Event" for every step of a run, from
 * `streamEvents({ all: true })`, each line as it happens (none is held back to fold repeats: a
 * step that waits on a model must show that it started). Resolves when the run's stream ends.
 */
export async function printSteps(handler: { streamEvents(options: { all: true }): AsyncIterable<AnyEvent> }) {
  for await (const ev of handler.streamEvents({ all: true })) {
    const line = describeStep(ev);
    if (line) console.log(line);
  }
}

/** Options of {@link printLive}. */
export interface LiveOptions extends MainOptions {
  /** Where token deltas go, as they arrive. @default process.stdout */
  readonly write?: ((text: string) => void) | undefined;
  /** Written before the first token of a run of tokens. @default "" */
  readonly tokenPrefix?: string;
  /** A line for other stream items (progress), or undefined to print nothing. */
  readonly describe?: (ev: AnyEvent) => string | undefined;
}

/**
 * Prints a run as it happens: with `trace`, its step lines; a model's `TokenEvent`s written inline
 * the moment each arrives; other items as `describe` words them. Resolves when the stream ends,
 * to the types of the items read and the text the tokens spelled ("" when no model streamed).
 */
export async function printLive(
  handler: { streamEvents(options: { all?: boolean }): AsyncIterable<AnyEvent> },
  options: LiveOptions = {},
): Promise<{ types: string[]; tokens: string }> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const types: string[] = [];
  let tokens = "";
  let inTokens = false;
  for await (const ev of handler.streamEvents(options.trace ? { all: true } : {})) {
    types.push(ev.type);
    if (TokenEvent.is(ev)) {
      if (!inTokens) write(options.tokenPrefix ?? "");
      inTokens = true;
      tokens += ev.delta;
      write(ev.delta);
      continue;
    }
    const line = (options.trace ? describeStep(ev) : undefined) ?? options.describe?.(ev);
    if (line === undefined) continue;
    if (inTokens) write("\n");
    inTokens = false;
    console.log(line);
  }
  if (inTokens) write("\n");
  return { types, tokens };
}

/** How long an example's run may take when `STEPCHART_TIMEOUT` does not say. */
export const DEFAULT_TIMEOUT_MS = 300_000;

/**
 * The examples' run timeout: generous by default (five minutes), because a local model can take
 * tens of seconds per answer and its first call loads it. `STEPCHART_TIMEOUT` sets it in seconds
 * (`0`: no timeout). Read when an example's module loads, so set it before running the example.
 */
export function exampleTimeout(env: NodeJS.ProcessEnv = process.env): number | null {
  const raw = env.STEPCHART_TIMEOUT?.trim();
  if (!raw) return DEFAULT_TIMEOUT_MS;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new RangeError(`STEPCHART_TIMEOUT is a number of seconds (0 for no timeout), not "${raw}"`);
  return seconds === 0 ? null : Math.round(seconds * 1000);
}

/** Resolves after `ms` milliseconds, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}
