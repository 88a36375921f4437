/**
 * A server's runs traced: `createServer({ instrument })` gives every run it starts or resumes the
 * instrument, driven here over the API with the official client's routes through `app.fetch`.
 */
import { trace } from "@opentelemetry/api";
import { describe, expect, it, onTestFinished } from "vitest";
import { HumanResponseEvent, InputRequiredEvent, StartEvent, StopEvent, workflow } from "../../src/index.js";
import { createServer } from "../../src/server/index.js";
import { otelTracing } from "../../src/telemetry/index.js";
import { finished, idOf, named, only, parentIdOf, useTracing } from "./tracing.js";

const tracing = useTracing();

const approval = workflow({ name: "approval" })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
    InputRequiredEvent({ prefix: "ship it?" }),
  )
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response === "yes" }),
  );

const post = (path: string, body: unknown): Request =>
  new Request(`http://127.0.0.1${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });

describe("createServer({ instrument })", () => {
  it("traces each run the server starts: a run span, a span per step attempt under it", async () => {
    const app = createServer({
      workflows: { approval },
      instrument: otelTracing({ tracer: tracing.provider.getTracer("test") }),
    });
    const started = await app.fetch(post("/workflows/approval/run-nowait", { start_event: {} }));
    const { handler_id: id } = (await started.json()) as { handler_id: string };
    // The prompt is out once `ask` ended; the answer goes through the API too.
    await expect.poll(() => named(finished(tracing), "step ask").length).toBe(1);
    const sent = await app.fetch(
      post(`/events/${id}`, { event: { type: "HumanResponseEvent", value: { response: "yes" } } }),
    );
    expect(sent.status).toBe(200);
    const result = await app.fetch(new Request(`http://127.0.0.1/results/${id}`));
    expect(result.status).toBe(200);

    await expect.poll(() => named(finished(tracing), "run approval").length).toBe(1);
    const spans = finished(tracing);
    const run = only(spans, "run approval");
    expect(run.attributes).toMatchObject({
      "stepchart.workflow.name": "approval",
      "stepchart.run.id": id,
      "stepchart.run.status": "completed",
    });
    for (const step of ["step ask", "step decide"]) expect(parentIdOf(only(spans, step))).toBe(idOf(run));
  });

  it("traces nothing without it, though a global tracer provider is there to trace with", async () => {
    trace.setGlobalTracerProvider(tracing.provider);
    onTestFinished(() => trace.disable());
    const app = createServer({ workflows: { approval } });
    const started = await app.fetch(post("/workflows/approval/run-nowait", { start_event: {} }));
    const { handler_id: id } = (await started.json()) as { handler_id: string };
    await app.fetch(post(`/events/${id}`, { event: { type: "HumanResponseEvent", value: { response: "no" } } }));
    expect((await app.fetch(new Request(`http://127.0.0.1/results/${id}`))).status).toBe(200);
    expect(finished(tracing)).toEqual([]);
  });
});
