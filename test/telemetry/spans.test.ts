/**
 * otelTracing() on real runs, in each machine shape and hosting: the span tree (a run span, a
 * child span per step attempt), its attributes, events and statuses, read from the SDK's
 * in-memory exporter.
 */
import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  WorkflowStepError,
  workflow,
} from "../../src/index.js";
import { otelTracing } from "../../src/telemetry/index.js";
import { sleep } from "../helpers.js";
import {
  attemptsOf,
  eventAttributes,
  eventsOf,
  finished,
  idOf,
  names,
  only,
  parentIdOf,
  useTracing,
} from "./tracing.js";

const tracing = useTracing();
const instrument = otelTracing({ tracer: tracing.provider.getTracer("test") });

const Drafted = defineEvent("Drafted", { text: z.string() });
const Job = defineEvent("Job", { n: z.number() });
const Done = defineEvent("Done", { n: z.number() });

/** Each shape, and the compact shape hosting invocations as actors (what an inspected run does). */
const hostings: { name: string; shape: "statechart" | "compact"; inspect: boolean }[] = [
  { name: "statechart", shape: "statechart", inspect: false },
  { name: "compact", shape: "compact", inspect: false },
  { name: "compact, actors", shape: "compact", inspect: true },
];

describe.each(hostings)("otelTracing ($name)", ({ shape, inspect }) => {
  const options = inspect ? { instrument, inspect: () => undefined } : { instrument };

  it("gives a run a span, and each step attempt a child span with its attributes", async () => {
    const wf = workflow({ name: "chain", shape })
      .step("draft", { accepts: StartEvent, emits: [Drafted] }, async () => Drafted({ text: "hi" }))
      .step("publish", { accepts: Drafted, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.text }));
    const handler = wf.run({}, { ...options, runId: "chain-1" });
    await expect(handler).resolves.toBe("hi");

    const spans = finished(tracing);
    expect(names(spans)).toEqual(["step draft", "step publish", "run chain"]);
    const run = only(spans, "run chain");
    expect(parentIdOf(run)).toBeUndefined();
    expect(run.attributes).toEqual({
      "stepchart.workflow.name": "chain",
      "stepchart.run.id": "chain-1",
      "stepchart.run.resumed": false,
      "stepchart.run.status": "completed",
    });
    expect(run.status.code).toBe(0); // UNSET: a success is left to the backend
    for (const span of [only(spans, "step draft"), only(spans, "step publish")]) {
      expect(parentIdOf(span)).toBe(idOf(run));
      expect(span.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    expect(only(spans, "step draft").attributes).toEqual({
      "stepchart.workflow.name": "chain",
      "stepchart.run.id": "chain-1",
      "stepchart.step.name": "draft",
      "stepchart.step.invocation": 0,
      "stepchart.step.attempt": 1,
      "stepchart.step.accepted_event": "StartEvent",
      "stepchart.step.emitted_events": ["Drafted"],
      "stepchart.step.outcome": "returned",
    });
    expect(only(spans, "step publish").attributes).toMatchObject({
      "stepchart.step.invocation": 1,
      "stepchart.step.accepted_event": "Drafted",
      "stepchart.step.emitted_events": ["StopEvent"],
    });
  });

  it("starts the run's span under the span current where the run starts", async () => {
    const wf = workflow({ name: "nested", shape }).step("only", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: 1 }),
    );
    const tracer = tracing.provider.getTracer("app");
    await tracer.startActiveSpan("POST /runs", async (request) => {
      await wf.run({}, options);
      request.end();
    });
    const spans = finished(tracing);
    expect(parentIdOf(only(spans, "run nested"))).toBe(idOf(only(spans, "POST /runs")));
  });

  it("gives each retry a span: the failed attempt has status ERROR, its exception and a retry event", async () => {
    let calls = 0;
    const wf = workflow({ name: "flaky", shape }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3, delay: 5 } },
      async () => {
        if (++calls < 3) throw new Error(`503 number ${calls}`);
        return StopEvent({ result: calls });
      },
    );
    await expect(wf.run({}, options)).resolves.toBe(3);

    const spans = finished(tracing);
    const run = only(spans, "run flaky");
    const attempts = attemptsOf(spans, "call");
    expect(attempts.map((s) => s.attributes["stepchart.step.attempt"])).toEqual([1, 2, 3]);
    expect(attempts.map((s) => s.attributes["stepchart.step.invocation"])).toEqual([0, 0, 0]);
    expect(attempts.map((s) => parentIdOf(s))).toEqual([idOf(run), idOf(run), idOf(run)]);
    expect(attempts.map((s) => s.attributes["stepchart.step.outcome"])).toEqual(["retrying", "retrying", "returned"]);
    expect(attempts.map((s) => s.status)).toEqual([
      { code: 2, message: "503 number 1" },
      { code: 2, message: "503 number 2" },
      { code: 0 },
    ]);
    const [first] = attempts;
    expect(eventsOf(first!)).toEqual(["exception", "stepchart.step.retry"]);
    expect(first!.events[0]?.attributes).toMatchObject({
      "exception.message": "503 number 1",
      "exception.type": "Error",
    });
    expect(eventAttributes(first!, "stepchart.step.retry")).toEqual([
      { "stepchart.retry.delay_ms": 5, "stepchart.retry.next_attempt": 2 },
    ]);
    expect(first!.attributes["error.type"]).toBe("Error");
    expect(run.status.code).toBe(0);
  });

  it("marks a failed step and its run ERROR, with the exception recorded on both", async () => {
    const wf = workflow({ name: "broken", shape }).step(
      "call",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 2 } },
      async () => {
        throw new TypeError("no such thing");
      },
    );
    await expect(wf.run({}, options)).rejects.toBeInstanceOf(WorkflowStepError);

    const spans = finished(tracing);
    const [retried, last] = attemptsOf(spans, "call");
    expect(retried!.attributes["stepchart.step.outcome"]).toBe("retrying");
    expect(last!.attributes).toMatchObject({ "stepchart.step.outcome": "failed", "error.type": "TypeError" });
    expect(last!.status).toEqual({ code: 2, message: "no such thing" });
    expect(eventsOf(last!)).toEqual(["exception"]);
    const run = only(spans, "run broken");
    expect(run.attributes).toMatchObject({ "stepchart.run.status": "failed", "error.type": "STEP_FAILED" });
    expect(run.status).toEqual({ code: 2, message: 'Step "call" failed after 2 attempts: no such thing' });
    // The SDK names an exception by its `code` when it has one.
    expect(eventAttributes(run, "exception")[0]).toMatchObject({ "exception.type": "STEP_FAILED" });
  });

  it("marks a stalled run ERROR with error.type STALLED", async () => {
    const wf = workflow({ name: "stuck", shape }).step(
      "noop",
      { accepts: StartEvent, emits: [StopEvent] },
      async () => undefined,
    );
    await expect(wf.run({}, options)).rejects.toMatchObject({ code: "STALLED" });

    const run = only(finished(tracing), "run stuck");
    expect(run.attributes).toMatchObject({ "stepchart.run.status": "failed", "error.type": "STALLED" });
    expect(run.status.code).toBe(2);
    expect(only(finished(tracing), "step noop").attributes["stepchart.step.emitted_events"]).toEqual([]);
  });

  it("records a fan-out's sent events and the collect that completes it", async () => {
    const wf = workflow({ name: "fan", shape })
      .step("split", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        for (const n of [1, 2, 3]) ctx.sendEvent(Job({ n }));
      })
      .step("work", { accepts: Job, emits: [Done], numWorkers: 3 }, async (_ctx, ev) => Done({ n: ev.n * 10 }))
      .step("merge", { accepts: Done, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, [Done, Done, Done]);
        return all ? StopEvent({ result: all.map((d) => d.n) }) : undefined;
      });
    expect(((await wf.run({}, options)) as number[]).sort()).toEqual([10, 20, 30]);

    const spans = finished(tracing);
    const run = only(spans, "run fan");
    expect(only(spans, "step split").attributes["stepchart.step.emitted_events"]).toEqual(["Job"]);
    expect(attemptsOf(spans, "work")).toHaveLength(3);
    const merges = attemptsOf(spans, "merge");
    expect(merges).toHaveLength(3);
    expect(merges.map((s) => parentIdOf(s))).toEqual([idOf(run), idOf(run), idOf(run)]);
    const completed = merges.filter((s) => eventsOf(s).includes("stepchart.collect.completed"));
    expect(completed).toHaveLength(1);
    expect(eventAttributes(completed[0]!, "stepchart.collect.completed")).toEqual([
      { "stepchart.collect.event_types": ["Done", "Done", "Done"], "stepchart.collect.count": 3 },
    ]);
    expect(completed[0]!.attributes["stepchart.step.emitted_events"]).toEqual(["StopEvent"]);
    expect(merges.filter((s) => s !== completed[0]).map((s) => s.attributes["stepchart.step.emitted_events"])).toEqual([
      [],
      [],
    ]);
  });

  it("records a wait for input on the run's span, and the answer that came from outside", async () => {
    const wf = workflow({ name: "approval", shape })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
        InputRequiredEvent({ prefix: "publish?" }),
      )
      .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = wf.run({}, options);
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    await expect(handler).resolves.toBe("yes");

    const spans = finished(tracing);
    const run = only(spans, "run approval");
    expect(eventsOf(run)).toEqual(["stepchart.input.required", "stepchart.event.received"]);
    expect(eventAttributes(run, "stepchart.input.required")).toEqual([
      { "stepchart.step.name": "ask", "stepchart.step.invocation": 0 },
    ]);
    expect(eventAttributes(run, "stepchart.event.received")).toEqual([
      { "stepchart.event.type": "HumanResponseEvent" },
    ]);
    expect(only(spans, "step ask").attributes["stepchart.step.emitted_events"]).toEqual(["InputRequiredEvent"]);
    expect(only(spans, "step decide").attributes["stepchart.step.accepted_event"]).toBe("HumanResponseEvent");
  });

  it("records a step's waitForEvent with a prompt on its span, and the prompt on the run's", async () => {
    const wf = workflow({ name: "gate", shape }).step(
      "confirm",
      { accepts: StartEvent, emits: [StopEvent, InputRequiredEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
        return StopEvent({ result: answer.response });
      },
    );
    const handler = wf.run({}, options);
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "fine" }));
    }
    await expect(handler).resolves.toBe("fine");

    const spans = finished(tracing);
    const step = only(spans, "step confirm");
    expect(eventAttributes(step, "stepchart.wait.started")).toEqual([
      { "stepchart.wait.event_type": "HumanResponseEvent", "stepchart.wait.prompt": true },
    ]);
    expect(step.attributes["stepchart.step.emitted_events"]).toEqual(["InputRequiredEvent", "StopEvent"]);
    expect(eventsOf(only(spans, "run gate"))).toEqual(["stepchart.input.required", "stepchart.event.received"]);
  });

  it("records a step timeout on the attempt's span", async () => {
    const wf = workflow({ name: "slow", shape }).step(
      "think",
      { accepts: StartEvent, emits: [StopEvent], timeout: 20 },
      async (ctx) => {
        await sleep(1_000);
        ctx.signal.throwIfAborted();
        return StopEvent({ result: "late" });
      },
    );
    await expect(wf.run({}, options)).rejects.toMatchObject({ code: "STEP_FAILED" });

    const step = only(finished(tracing), "step think");
    expect(eventsOf(step)).toEqual(["stepchart.timeout", "exception"]);
    expect(eventAttributes(step, "stepchart.timeout")).toEqual([
      { "stepchart.timeout.kind": "step", "stepchart.timeout.ms": 20 },
    ]);
    expect(step.attributes["error.type"]).toBe("STEP_TIMEOUT");
  });

  it("records the run's timeout on its span; the attempt it cut short ends as stopped", async () => {
    const wf = workflow({ name: "late", shape, timeout: 30 }).step(
      "wait",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return StopEvent({ result: "never" });
      },
    );
    await expect(wf.run({}, options)).rejects.toMatchObject({ code: "RUN_TIMEOUT" });

    const spans = finished(tracing);
    const run = only(spans, "run late");
    expect(run.attributes).toMatchObject({ "stepchart.run.status": "timedOut", "error.type": "RUN_TIMEOUT" });
    expect(eventAttributes(run, "stepchart.timeout")).toEqual([
      { "stepchart.timeout.kind": "run", "stepchart.timeout.ms": 30 },
    ]);
    expect(run.status.code).toBe(2);
    const step = only(spans, "step wait");
    expect(step.attributes["stepchart.step.outcome"]).toBe("stopped");
    expect(step.status.code).toBe(0);
  });

  it("makes the step's span current in its body: a span it starts, even after an await, is the step's child", async () => {
    const tracer = tracing.provider.getTracer("app");
    const wf = workflow({ name: "inner", shape }).step(
      "fetch",
      { accepts: StartEvent, emits: [StopEvent] },
      async () => {
        await sleep(1);
        const rows = await tracer.startActiveSpan("SELECT docs", async (query) => {
          await sleep(1);
          query.end();
          return 2;
        });
        trace.getActiveSpan()?.setAttribute("app.rows", rows);
        return StopEvent({ result: rows });
      },
    );
    await expect(wf.run({}, options)).resolves.toBe(2);

    const spans = finished(tracing);
    const step = only(spans, "step fetch");
    expect(parentIdOf(only(spans, "SELECT docs"))).toBe(idOf(step));
    expect(step.attributes["app.rows"]).toBe(2);
  });
});
