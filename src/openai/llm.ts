import type OpenAI from "openai";
import { z } from "zod/v4";
import { defineEvent } from "../events/define-event.js";
import type { AnyEvent } from "../events/types.js";
import type { ModelCallInfo, ModelCallResult } from "../execution/instrument.js";
import { modelCall, publishLive } from "../execution/step-context.js";
import { peer, required } from "../internal/peers.js";
import { LLMError, noServer, OPENAI_API, type Target, toLLMError, unconfigured } from "./errors.js";

// An optional peer: without it this module still loads, and createLLM says how to install it.
const sdk = await peer(import("openai").then((m) => m.default));

/**
 * A token delta of `llm.stream()`, written to the run's stream as it arrives.
 *
 * @example
 * ```ts
 * for await (const ev of handler.streamEvents()) if (TokenEvent.is(ev)) process.stdout.write(ev.delta);
 * ```
 */
export const TokenEvent = defineEvent("TokenEvent", { delta: z.string() });

/**
 * Options of `createLLM()`.
 *
 * @example
 * ```ts
 * const llm = createLLM({ model: "llama3.2", baseURL: "http://localhost:11434/v1", apiKey: "ollama" });
 * ```
 */
export interface LLMOptions {
  /** The chat model (`"gpt-4o-mini"`, `"llama3.2"`, ...). */
  readonly model: string;
  /** The embedding model for `embed()`. @default "text-embedding-3-small" */
  readonly embeddingModel?: string;
  /** A configured client; otherwise one is made from `baseURL`/`apiKey` or the environment. */
  readonly client?: OpenAI;
  /** @default process.env.OPENAI_BASE_URL (the OpenAI API when unset) */
  readonly baseURL?: string;
  /** @default process.env.OPENAI_API_KEY */
  readonly apiKey?: string;
}

/**
 * A chat message.
 *
 * @example
 * ```ts
 * const messages: ChatMessage[] = [{ role: "system", content: "Be brief." }, { role: "user", content: q }];
 * ```
 */
export interface ChatMessage {
  readonly role: "system" | "user" | "assistant";
  readonly content: string;
}

/**
 * Token counts of a call, when the server reports them.
 *
 * @example
 * ```ts
 * const { usage } = await llm.complete("hi");
 * console.log(usage?.totalTokens);
 * ```
 */
export interface LLMUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/**
 * What a text call returns.
 *
 * @example
 * ```ts
 * const { text, usage } = await llm.chat(messages, { ctx });
 * ```
 */
export interface LLMText {
  readonly text: string;
  readonly usage: LLMUsage | null;
}

/** The part of a step's `ctx` the helpers use. */
interface StepLike {
  readonly signal: AbortSignal;
  run<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  writeEventToStream(event: AnyEvent): void;
}

/**
 * Per-call options. With `ctx` (inside a step), the call is aborted with the step (`ctx.signal`:
 * cancel, timeouts) and journaled with `ctx.run(name)`, so a step that re-runs after a restore gets
 * the stored answer instead of paying for the call again.
 *
 * @example
 * ```ts
 * await llm.complete(prompt, { ctx, name: "summary" });
 * ```
 */
export interface CallOptions {
  readonly ctx?: StepLike;
  /** The journal name of this call in `ctx.run`. @default the method's name */
  readonly name?: string;
}

/**
 * The helpers `createLLM` returns.
 *
 * @example
 * ```ts
 * const llm: LLM = createLLM({ model: "gpt-4o-mini" });
 * const { data } = await llm.structured(z.object({ city: z.string() }), [{ role: "user", content: text }], { ctx });
 * ```
 */
export interface LLM {
  readonly model: string;
  readonly client: OpenAI;
  /** One user prompt in, text out. */
  complete(prompt: string, options?: CallOptions): Promise<LLMText>;
  /** Messages in, text out. */
  chat(messages: readonly ChatMessage[], options?: CallOptions): Promise<LLMText>;
  /**
   * An answer in the shape of `schema`: sent as the JSON-schema response format, parsed and
   * validated with zod. A malformed answer throws a retryable `LLMError`.
   */
  structured<S extends z.core.$ZodType>(
    schema: S,
    messages: readonly ChatMessage[],
    options?: CallOptions & { readonly schemaName?: string },
  ): Promise<{ readonly data: z.infer<S>; readonly usage: LLMUsage | null }>;
  /** Streams the answer: each delta goes to the run's stream as a `TokenEvent`; returns the whole text. */
  stream(messages: readonly ChatMessage[], options: CallOptions & { readonly ctx: StepLike }): Promise<LLMText>;
  /** Embeddings of `texts`, in order. */
  embed(texts: readonly string[], options?: CallOptions): Promise<number[][]>;
}

/**
 * Thin helpers over the official `openai` SDK for LLM steps. Any OpenAI-compatible server works
 * (OpenAI, Ollama, vLLM, llama.cpp): set `OPENAI_BASE_URL` / `OPENAI_API_KEY` or pass them.
 *
 * @example
 * ```ts
 * import { createLLM } from "stepchart/openai";
 * const llm = createLLM({ model: "gpt-4o-mini" });
 * const flow = workflow({ name: "joke" }).step("tell", { accepts: StartEvent, emits: [StopEvent] }, async (ctx, ev) =>
 *   StopEvent({ result: (await llm.complete(`A joke about ${ev.topic}`, { ctx })).text }),
 * );
 * ```
 */
export function createLLM(options: LLMOptions): LLM {
  const OpenAISDK = required(sdk, "openai", "stepchart/openai (createLLM)", "npm install openai@6");
  const apiKey = options.apiKey ?? process.env.OPENAI_API_KEY;
  const baseURL = options.baseURL ?? process.env.OPENAI_BASE_URL;
  const client =
    options.client ??
    new OpenAISDK({
      apiKey: apiKey ?? "not-set", // a local server (Ollama) takes any key; the OpenAI API is refused below
      ...(baseURL ? { baseURL } : {}),
      maxRetries: 0, // the step's retry policy decides (and honours retry-after)
    });
  const target: Target = {
    sdk: OpenAISDK,
    url: String(client.baseURL ?? baseURL ?? OPENAI_API).replace(/\/+$/, ""),
    missingKey: !options.client && apiKey === undefined,
  };
  const model = options.model;
  const embeddingModel = options.embeddingModel ?? "text-embedding-3-small";
  const server = serverOf(target.url);
  const journaled = <T>(
    call: CallOptions,
    name: string,
    path: string,
    request: Pick<ModelCallInfo, "operation" | "model" | "output">,
    fn: (signal: AbortSignal | undefined, report: Report) => Promise<T>,
  ) =>
    journal(
      call,
      name,
      (report) => (unconfigured(target) ? Promise.reject(noServer(target)) : fn(call.ctx?.signal, report)),
      { ...target, url: target.url + path },
      { provider: "openai", ...server, ...request },
    );
  const chatRequest = (output: string) => ({ operation: "chat", model, output });

  const chat = (messages: readonly ChatMessage[], call: CallOptions = {}) =>
    journaled(call, "chat", "/chat/completions", chatRequest("text"), async (signal, report) => {
      const res = await client.chat.completions.create(
        { model, messages: messages.map((m) => ({ role: m.role, content: m.content })) },
        signal ? { signal } : {},
      );
      report(chatResult(res));
      return { text: res.choices[0]?.message?.content ?? "", usage: usageOf(res.usage) };
    });

  return {
    model,
    client,
    complete: (prompt, call) => chat([{ role: "user", content: prompt }], call),
    chat,
    structured: (schema, messages, call = {}) =>
      journaled(call, "structured", "/chat/completions", chatRequest("json"), async (signal, report) => {
        const jsonSchema = z.toJSONSchema(schema) as Record<string, unknown>;
        const { $schema: _, ...bare } = jsonSchema;
        const res = await client.chat.completions.create(
          {
            model,
            messages: messages.map((m) => ({ role: m.role, content: m.content })),
            response_format: {
              type: "json_schema",
              json_schema: { name: call.schemaName ?? "answer", schema: bare, strict: true },
            },
          },
          signal ? { signal } : {},
        );
        report(chatResult(res));
        const content = res.choices[0]?.message?.content ?? "";
        let parsed: unknown;
        try {
          parsed = JSON.parse(content);
        } catch (cause) {
          throw new LLMError(`The model's answer is not JSON: ${content.slice(0, 120)}`, { retryable: true, cause });
        }
        const checked = z.safeParse(schema, parsed);
        if (!checked.success) {
          const issues = checked.error.issues.map((i) => `${i.path.join(".") || "answer"}: ${i.message}`).join("; ");
          throw new LLMError(`The model's answer does not match the schema: ${issues}`, { retryable: true });
        }
        return { data: checked.data as never, usage: usageOf(res.usage) };
      }),
    stream: (messages, call) =>
      journaled(call, "stream", "/chat/completions", chatRequest("text"), async (signal, report) => {
        const stream = await client.chat.completions.create(
          {
            model,
            messages: messages.map((m) => ({ role: m.role, content: m.content })),
            stream: true,
            stream_options: { include_usage: true },
          },
          signal ? { signal } : {},
        );
        let text = "";
        let usage: LLMUsage | null = null;
        let answered: { model: string; id: string } | undefined;
        const finishReasons: string[] = [];
        for await (const chunk of stream) {
          answered = chunk;
          const delta = chunk.choices[0]?.delta?.content;
          if (delta) {
            text += delta;
            publish(call.ctx, TokenEvent({ delta }));
          }
          for (const choice of chunk.choices) if (choice.finish_reason) finishReasons.push(choice.finish_reason);
          if (chunk.usage) usage = usageOf(chunk.usage);
        }
        report({
          model: answered?.model,
          responseId: answered?.id,
          finishReasons,
          inputTokens: usage?.promptTokens,
          outputTokens: usage?.completionTokens,
        });
        return { text, usage };
      }),
    embed: (texts, call = {}) =>
      journaled(
        call,
        "embed",
        "/embeddings",
        { operation: "embeddings", model: embeddingModel },
        async (signal, report) => {
          const res = await client.embeddings.create(
            { model: embeddingModel, input: [...texts] },
            signal ? { signal } : {},
          );
          report({ model: res.model, inputTokens: res.usage?.prompt_tokens });
          return [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
        },
      ),
  };
}

/** How a call tells the run's instrumentation what the server answered (model, token usage). */
type Report = (result: ModelCallResult) => void;

/**
 * Runs a call: aborted with the step, journaled in `ctx.run`, its errors mapped to `LLMError`,
 * and, in an instrumented run, in a model-call span of its own (a journaled answer makes none).
 */
function journal<T>(
  call: CallOptions,
  name: string,
  fn: (report: Report) => Promise<T>,
  target: Target,
  info: ModelCallInfo,
): Promise<T> {
  const ctx = call.ctx;
  const guarded = () =>
    traced(ctx, info, (report) => fn(report).catch((error: unknown) => Promise.reject(toLLMError(error, target))));
  return ctx ? ctx.run(call.name ?? `llm.${name}`, guarded) : guarded();
}

/**
 * The step context's model-call hook (see `modelCall`), reached through a symbol: the run's
 * instrumentation (OpenTelemetry for `stepchart/telemetry`) makes the span, and this module
 * imports no tracer.
 */
function traced<T>(ctx: StepLike | undefined, info: ModelCallInfo, fn: (report: Report) => Promise<T>): Promise<T> {
  const step = ctx as ModelCallHost | undefined;
  return step?.[modelCall] ? step[modelCall](info, fn) : fn(ignoreReport);
}

type ModelCallHost = { [modelCall]?<R>(info: ModelCallInfo, fn: (report: Report) => Promise<R>): Promise<R> };

function ignoreReport(): void {}

/** What a chat completion says about itself, for the run's instrumentation. */
function chatResult(res: OpenAI.Chat.Completions.ChatCompletion): ModelCallResult {
  const finishReasons: string[] = [];
  for (const choice of res.choices) if (choice.finish_reason) finishReasons.push(choice.finish_reason);
  return {
    model: res.model,
    responseId: res.id,
    finishReasons,
    inputTokens: res.usage?.prompt_tokens,
    outputTokens: res.usage?.completion_tokens,
  };
}

/** The server's host and port, as the GenAI conventions' `server.*` attributes want them. */
function serverOf(url: string): { serverAddress?: string; serverPort?: number } {
  try {
    const { hostname, port, protocol } = new URL(url);
    return { serverAddress: hostname, serverPort: port ? Number(port) : protocol === "http:" ? 80 : 443 };
  } catch {
    return {};
  }
}

/** Token deltas are live-only stream items: a journaled re-run returns the text without them. */
function publish(ctx: StepLike | undefined, event: AnyEvent): void {
  const live = (ctx as { [publishLive]?: (e: AnyEvent) => void } | undefined)?.[publishLive];
  if (live) live.call(ctx, event);
  else ctx?.writeEventToStream(event);
}

function usageOf(
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null | undefined,
): LLMUsage | null {
  return usage
    ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, totalTokens: usage.total_tokens }
    : null;
}
