import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { StartEvent, StopEvent, WorkflowStepError, workflow } from "../../src/index.js";
import { createLLM, type LLM, LLMError, TokenEvent } from "../../src/openai/index.js";
import { collectStream, deferred, sleep } from "../helpers.js";
import { type FakeOpenAI, startFakeOpenAI } from "./server.js";

let server: FakeOpenAI;
let llm: LLM;
beforeAll(async () => {
  server = await startFakeOpenAI();
  llm = createLLM({ model: "test-model", baseURL: server.baseURL, apiKey: "test" });
});
afterAll(() => server.close());

describe("createLLM against an OpenAI-compatible server (real SDK, real HTTP)", () => {
  it("completes a prompt and reports usage", async () => {
    const { text, usage } = await llm.complete("hello there");
    expect(text).toBe("echo: hello there");
    expect(usage).toEqual({ promptTokens: 3, completionTokens: 3, totalTokens: 6 });
    expect(server.requests.at(-1)).toMatchObject({ path: "/chat/completions", body: { model: "test-model" } });
  });

  it("chats with a message list", async () => {
    const { text } = await llm.chat([
      { role: "system", content: "be brief" },
      { role: "user", content: "hi" },
    ]);
    expect(text).toBe("echo: hi");
    expect(server.requests.at(-1)?.body.messages).toHaveLength(2);
  });

  it("asks for a JSON-schema answer and validates it with zod", async () => {
    const Person = z.object({ name: z.string(), age: z.number() });
    const { data } = await llm.structured(Person, [{ role: "user", content: "Ada, 36" }], { schemaName: "person" });
    expect(data).toEqual({ name: "name: Ada, 36", age: 7 });
    const format = server.requests.at(-1)?.body.response_format as { type: string; json_schema: { name: string } };
    expect(format.type).toBe("json_schema");
    expect(format.json_schema.name).toBe("person");
  });

  it("turns a malformed structured answer into a retryable LLMError", async () => {
    server.script({ content: "not json" }, { content: JSON.stringify({ name: 1 }) });
    const Person = z.object({ name: z.string() });
    const notJson = await llm.structured(Person, [{ role: "user", content: "x" }]).catch((e: unknown) => e);
    expect(notJson).toBeInstanceOf(LLMError);
    expect(notJson).toMatchObject({ code: "LLM", retryable: true });
    const wrong = await llm.structured(Person, [{ role: "user", content: "x" }]).catch((e: unknown) => e);
    expect((wrong as Error).message).toContain("name: Invalid input");
  });

  it("embeds texts in order", async () => {
    expect(await llm.embed(["a b", "ccc"])).toEqual([
      [3, 2, 97],
      [3, 1, 99],
    ]);
  });

  it("maps 429 (with retry-after), 500 and 400 onto retryable and final errors", async () => {
    server.script(
      { status: 429, headers: { "retry-after": "2" } },
      { status: 500 },
      { status: 400, body: { error: { message: "bad", type: "invalid_request_error" } } },
    );
    expect(await llm.complete("x").catch((e: unknown) => e)).toMatchObject({
      status: 429,
      retryable: true,
      retryAfterMs: 2000,
    });
    expect(await llm.complete("x").catch((e: unknown) => e)).toMatchObject({ status: 500, retryable: true });
    expect(await llm.complete("x").catch((e: unknown) => e)).toMatchObject({ status: 400, retryable: false });
  });
});

describe("LLM calls inside steps", () => {
  it("streams tokens into the run's stream and returns the whole text", async () => {
    const wf = workflow({ name: "stream" }).step("say", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) =>
      StopEvent({ result: (await llm.stream([{ role: "user", content: "one two three" }], { ctx })).text }),
    );
    const handler = wf.run();
    const items = await collectStream(handler);
    await expect(handler).resolves.toBe("echo: one two three");
    const deltas = items.filter((e) => TokenEvent.is(e)).map((e) => e.delta);
    expect(deltas.join("")).toBe("echo: one two three");
    expect(deltas.length).toBe(4);
  });

  it("retries a rate-limited call after the server's retry-after, through the step's policy", async () => {
    server.script({ status: 429, headers: { "retry-after-ms": "30" } });
    const wf = workflow({ name: "retry" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3 } },
      async (ctx) => StopEvent({ result: (await llm.complete("again", { ctx })).text }),
    );
    const started = Date.now();
    await expect(wf.run()).resolves.toBe("echo: again");
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it("fails at once on a 400, whatever the retry policy", async () => {
    server.script({ status: 400 });
    let attempts = 0;
    const wf = workflow({ name: "bad" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 5 } },
      async (ctx) => {
        attempts++;
        return StopEvent({ result: (await llm.complete("x", { ctx })).text });
      },
    );
    const err = (await wf.run().catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.cause).toBeInstanceOf(LLMError);
    expect(attempts).toBe(1);
  });

  it("aborts the HTTP request when the step times out", async () => {
    server.script({ delayMs: 5_000 });
    const wf = workflow({ name: "slow" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], timeout: 50 },
      async (ctx) => StopEvent({ result: (await llm.complete("slow", { ctx })).text }),
    );
    const before = server.aborted();
    await expect(wf.run()).rejects.toBeInstanceOf(WorkflowStepError);
    for (let i = 0; i < 100 && server.aborted() === before; i++) await sleep(10);
    expect(server.aborted()).toBe(before + 1);
  });

  it("aborts the HTTP request when the run is cancelled", async () => {
    server.script({ delayMs: 5_000 });
    const wf = workflow({ name: "cancel" }).step("ask", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) =>
      StopEvent({ result: (await llm.complete("never answered", { ctx })).text }),
    );
    const handler = wf.run();
    await sleep(30);
    const before = server.aborted();
    handler.cancel();
    await expect(handler).rejects.toMatchObject({ code: "CANCELLED" });
    for (let i = 0; i < 100 && server.aborted() === before; i++) await sleep(10);
    expect(server.aborted()).toBe(before + 1); // the server saw the client hang up
  });

  it("journals the call: a step resumed after it does not call the model again", async () => {
    const gate = deferred();
    const wf = workflow({ name: "journal" }).step("ask", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const { text } = await llm.complete("remember me", { ctx, name: "first-call" });
      await gate.promise;
      return StopEvent({ result: text });
    });
    const first = wf.run();
    await sleep(50);
    const calls = server.requests.length;
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    gate.resolve();
    await expect(wf.resume(snapshot)).resolves.toBe("echo: remember me");
    expect(server.requests.length).toBe(calls);
  });
});

describe("calls that cannot reach a model", () => {
  it("with neither a key nor a server, fails at once naming OPENAI_API_KEY and the URL calls would go to", async () => {
    const unset = createLLM({ model: "gpt-4o-mini" }); // the test setup unsets OPENAI_API_KEY and OPENAI_BASE_URL
    const err = (await unset.complete("hello").catch((e: unknown) => e)) as LLMError;
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ code: "LLM", retryable: false, status: undefined });
    expect(err.message).toBe(
      "No model server is configured: calls would go to https://api.openai.com/v1, and OPENAI_API_KEY is not set. Set OPENAI_API_KEY (or pass `apiKey` to createLLM), or point OPENAI_BASE_URL (or `baseURL`) at an OpenAI-compatible server, such as a local Ollama at http://localhost:11434/v1",
    );
  });

  it("fails the step for good, whatever its retry policy", async () => {
    const unset = createLLM({ model: "gpt-4o-mini" });
    let attempts = 0;
    const wf = workflow({ name: "unset" }).step(
      "ask",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3, delay: 0 } },
      async (ctx) => {
        attempts++;
        return StopEvent({ result: (await unset.complete("hi", { ctx })).text });
      },
    );
    const err = (await wf.run().catch((e: unknown) => e)) as WorkflowStepError;
    expect(err.cause).toBeInstanceOf(LLMError);
    expect((err.cause as Error).message).toMatch(/^No model server is configured/);
    expect(attempts).toBe(1);
  });

  it("names the URL it tried when the server does not answer, and a missing key", async () => {
    const gone = await startFakeOpenAI();
    const baseURL = gone.baseURL;
    await gone.close(); // nothing listens there any more
    const offline = createLLM({ model: "llama3.2", baseURL });
    const err = (await offline.embed(["a"]).catch((e: unknown) => e)) as LLMError;
    expect(err).toBeInstanceOf(LLMError);
    expect(err).toMatchObject({ retryable: true, status: undefined });
    expect(err.message).toBe(
      `The model call to ${baseURL.replace(/\/$/, "")}/embeddings failed (no response): Connection error. (and OPENAI_API_KEY is not set)`,
    );
    const keyed = createLLM({ model: "llama3.2", baseURL, apiKey: "ollama" });
    expect(((await keyed.complete("hi").catch((e: unknown) => e)) as Error).message).toBe(
      `The model call to ${baseURL.replace(/\/$/, "")}/chat/completions failed (no response): Connection error.`,
    );
  });
});
