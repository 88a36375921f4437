/**
 * Small helpers shared by the examples: a "run me when executed directly" guard and a step tracer.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type AnyEvent, StepFinishedEvent, StepStartedEvent } from "../src/index.js";
import { createLLM, type LLM } from "../src/openai/index.js";

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
 * `streamEvents({ all: true })`; consecutive identical lines are folded into one ("×3").
 * Resolves when the run's stream ends.
 */
export async function printSteps(handler: { streamEvents(options: { all: true }): AsyncIterable<AnyEvent> }) {
  let last: string | undefined;
  let repeats = 0;
  const flush = () => {
    if (last) console.log(repeats > 1 ? `${last} ×${repeats}` : last);
  };
  for await (const ev of handler.streamEvents({ all: true })) {
    const line = describeStep(ev);
    if (!line) continue;
    if (line === last) {
      repeats++;
      continue;
    }
    flush();
    last = line;
    repeats = 1;
  }
  flush();
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
