/**
 * The `stepchart/openai` helpers in a traced run, against the local OpenAI-compatible server (the
 * real SDK over real HTTP): each call made with `{ ctx }` gets a span of its own under its step's,
 * with the OpenTelemetry GenAI attributes and the token usage the server reported.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { StartEvent, StopEvent, workflow } from "../../src/index.js";
import { type CallOptions, createLLM, type LLM } from "../../src/openai/index.js";
import { otelTracing } from "../../src/telemetry/index.js";
import { deferred } from "../helpers.js";
import { type FakeOpenAI, startFakeOpenAI } from "../openai/server.js";
import { attemptsOf, finished, idOf, named, only, parentIdOf, useTracing } from "./tracing.js";

const tracing = useTracing();
const tracer = tracing.provider.getTracer("test");
const instrument = otelTracing({ tracer });

let server: FakeOpenAI;
let llm: LLM;
let port: number;
beforeAll(async () => {
  server = await startFakeOpenAI();
  llm = createLLM({ model: "test-model", embeddingModel: "test-embed", baseURL: server.baseURL, apiKey: "test" });
  port = Number(new URL(server.baseURL).port);
});
afterAll(() => server.close());

/** A one-step workflow whose step makes the call `body` makes. */
const calling = (body: (ctx: NonNullable<CallOptions["ctx"]>) => Promise<unknown>) =>
  workflow({ name: "llm" }).step("ask", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) =>
    StopEvent({ result: await body(ctx) }),
  );

describe("model calls in a traced run", () => {
  it("a chat call is a CLIENT span under its step's, with the GenAI attributes and token usage", async () => {
    const wf = calling(async (ctx) => (await llm.complete("hello there", { ctx })).text);
    await expect(wf.run({}, { instrument })).resolves.toBe("echo: hello there");

    const spans = finished(tracing);
    const chat = only(spans, "chat test-model");
    expect(parentIdOf(chat)).toBe(idOf(only(spans, "step ask")));
    expect(chat.kind).toBe(2); // SpanKind.CLIENT
    expect(chat.attributes).toEqual({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "test-model",
      "gen_ai.output.type": "text",
      "server.address": "127.0.0.1",
      "server.port": port,
      "gen_ai.response.model": "test-model",
      "gen_ai.response.id": "cmpl-1",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 3,
      "gen_ai.usage.output_tokens": 3,
    });
    expect(chat.status.code).toBe(0);
  });

  it("a structured call asks for JSON; a streamed one reports the usage of its last chunk", async () => {
    const Person = z.object({ name: z.string() });
    const wf = calling(async (ctx) => {
      const { data } = await llm.structured(Person, [{ role: "user", content: "Ada" }], { ctx });
      const { text } = await llm.stream([{ role: "user", content: "one two three" }], { ctx });
      return `${data.name} / ${text}`;
    });
    await expect(wf.run({}, { instrument })).resolves.toBe("name: Ada / echo: one two three");

    const [structured, streamed] = named(finished(tracing), "chat test-model");
    expect(structured!.attributes).toMatchObject({ "gen_ai.output.type": "json", "gen_ai.usage.input_tokens": 3 });
    expect(streamed!.attributes).toMatchObject({
      "gen_ai.output.type": "text",
      "gen_ai.response.model": "test-model",
      "gen_ai.response.id": "cmpl-1",
      "gen_ai.usage.input_tokens": 3,
      "gen_ai.usage.output_tokens": 4,
    });
  });

  it("an embeddings call is an embeddings span with its input tokens", async () => {
    const wf = calling(async (ctx) => (await llm.embed(["a b", "c"], { ctx })).length);
    await expect(wf.run({}, { instrument })).resolves.toBe(2);

    const embed = only(finished(tracing), "embeddings test-embed");
    expect(embed.attributes).toMatchObject({
      "gen_ai.operation.name": "embeddings",
      "gen_ai.request.model": "test-embed",
      "gen_ai.response.model": "test-embed",
      "gen_ai.usage.input_tokens": 1,
    });
    expect(embed.attributes["gen_ai.output.type"]).toBeUndefined();
  });

  it("a failed call is an ERROR span with the HTTP status as error.type, under the attempt that made it", async () => {
    server.script({ status: 500 });
    const wf = workflow({ name: "llm" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2 } },
      async (ctx) => StopEvent({ result: (await llm.complete("again", { ctx })).text }),
    );
    await expect(wf.run({}, { instrument })).resolves.toBe("echo: again");

    const spans = finished(tracing);
    const [failedCall, call] = named(spans, "chat test-model");
    const [failedAttempt, attempt] = attemptsOf(spans, "ask");
    expect(parentIdOf(failedCall!)).toBe(idOf(failedAttempt!));
    expect(parentIdOf(call!)).toBe(idOf(attempt!));
    expect(failedCall!.status.code).toBe(2);
    expect(failedCall!.attributes["error.type"]).toBe("500");
    expect(failedCall!.events.map((e) => e.name)).toEqual(["exception"]);
    expect(call!.status.code).toBe(0);
  });

  it("a call made inside a span the step started is that span's child", async () => {
    const wf = calling((ctx) =>
      tracer.startActiveSpan("summarise", async (span) => {
        const { text } = await llm.complete("summary", { ctx });
        span.end();
        return text;
      }),
    );
    await wf.run({}, { instrument });

    const spans = finished(tracing);
    expect(parentIdOf(only(spans, "chat test-model"))).toBe(idOf(only(spans, "summarise")));
    expect(parentIdOf(only(spans, "summarise"))).toBe(idOf(only(spans, "step ask")));
  });

  it("a journaled answer replayed after a resume makes no model span (the model is not called)", async () => {
    const gate = deferred();
    const answered = deferred();
    const wf = calling(async (ctx) => {
      const { text } = await llm.complete("remember me", { ctx });
      answered.resolve(); // journaled by now: ctx.run returns once its result is applied
      await gate.promise;
      return text;
    });
    const first = wf.run({}, { instrument });
    await answered.promise;
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    gate.resolve();
    await expect(wf.resume(snapshot, { instrument })).resolves.toBe("echo: remember me");

    const spans = finished(tracing);
    expect(named(spans, "step ask")).toHaveLength(2);
    expect(parentIdOf(only(spans, "chat test-model"))).toBe(idOf(named(spans, "step ask")[0]!));
  });

  it("makes no model span with modelCalls: false, nor for a call made without ctx", async () => {
    const wf = calling(async (ctx) => (await llm.complete("quiet", { ctx })).text);
    await wf.run({}, { instrument: otelTracing({ tracer, modelCalls: false }) });
    await llm.complete("outside any step");
    expect(finished(tracing).map((s) => s.name)).toEqual(["step ask", "run llm"]);
  });
});
