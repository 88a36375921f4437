/**
 * The `instrument` run option without OpenTelemetry: what a run tells its Instrumentation, in
 * order, on real runs (the contract `otelTracing()` is built on, and any other tracer or logger).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AttemptEnd,
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  type Instrumentation,
  type RunEnd,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { deferred, sleep } from "../helpers.js";

const Job = defineEvent("Job", { n: z.number() });
const Done = defineEvent("Done", { n: z.number() });

/** An Instrumentation that writes down every call it gets, as a line. */
function recorder() {
  const log: string[] = [];
  const ended: (AttemptEnd | RunEnd)[] = [];
  const instrument: Instrumentation = {
    startRun: ({ workflow, runId, resumed }) => {
      log.push(`run ${workflow} ${runId}${resumed ? " resumed" : ""}`);
      return {
        startAttempt: ({ step, invocation, attempt, event }) => {
          const name = `${step}#${invocation}.${attempt}`;
          log.push(`start ${name} on ${event}`);
          return {
            run: (body) => {
              log.push(`body ${name}`);
              return body();
            },
            sent: (type) => log.push(`${name} sent ${type}`),
            waiting: (type, prompt) => log.push(`${name} waits for ${type}${prompt ? ` asking ${prompt.type}` : ""}`),
            collected: (types) => log.push(`${name} collected ${types.join(",")}`),
            end: (end) => {
              ended.push(end);
              log.push(`end ${name} ${end.status}${end.status === "returned" ? ` ${end.output}` : ""}`);
            },
          };
        },
        received: (event) => log.push(`received ${event.type}`),
        end: (end) => {
          ended.push(end);
          log.push(`run end ${end.status}`);
        },
      };
    },
  };
  return { instrument, log, ended };
}

describe("the instrument run option", () => {
  it("tells the run's observer of each attempt, what it sends, collects and returns, and the run's end", async () => {
    const wf = workflow({ name: "fan" })
      .step("split", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
        ctx.sendEvent(Job({ n: 1 }));
        ctx.sendEvent(Job({ n: 2 }));
      })
      .step("work", { accepts: Job, emits: [Done] }, async (_ctx, ev) => Done({ n: ev.n }))
      .step("merge", { accepts: Done, emits: [StopEvent] }, async (ctx, ev) => {
        const all = ctx.collectEvents(ev, [Done, Done]);
        return all ? StopEvent({ result: all.length }) : null;
      });
    const { instrument, log } = recorder();
    await expect(wf.run({}, { instrument, runId: "f-1" })).resolves.toBe(2);
    expect(log[0]).toBe("run fan f-1");
    // The workers start as soon as the events are sent: they may start before `split` returns.
    expect(log.filter((l) => l.includes("split"))).toEqual([
      "start split#0.1 on StartEvent",
      "body split#0.1",
      "split#0.1 sent Job",
      "split#0.1 sent Job",
      "end split#0.1 returned null",
    ]);
    expect(log.filter((l) => l.startsWith("end work"))).toEqual([
      "end work#1.1 returned Done",
      "end work#2.1 returned Done",
    ]);
    expect(log.filter((l) => l.includes("collected"))).toEqual(["merge#4.1 collected Done,Done"]);
    expect(log.slice(-2)).toEqual(["end merge#4.1 returned StopEvent", "run end completed"]);
  });

  it("tells of a failed attempt with the retry delay, of a wait with its prompt, and of the answer from outside", async () => {
    let calls = 0;
    const wf = workflow({ name: "ask" }).step(
      "confirm",
      { accepts: StartEvent, emits: [StopEvent, InputRequiredEvent], retry: { attempts: 2, delay: 1 } },
      async (ctx) => {
        if (++calls === 1) throw new Error("first");
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "ok?" }) });
        return StopEvent({ result: answer.response });
      },
    );
    const { instrument, log, ended } = recorder();
    const handler = wf.run({}, { instrument, runId: "a-1" });
    for await (const ev of handler.streamEvents()) {
      if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    }
    await expect(handler).resolves.toBe("yes");
    expect(log).toEqual([
      "run ask a-1",
      "start confirm#0.1 on StartEvent",
      "body confirm#0.1",
      "end confirm#0.1 failed",
      "start confirm#0.2 on StartEvent",
      "body confirm#0.2",
      "confirm#0.2 waits for HumanResponseEvent asking InputRequiredEvent",
      "received HumanResponseEvent",
      "end confirm#0.2 returned StopEvent",
      "run end completed",
    ]);
    expect(ended[0]).toMatchObject({ status: "failed", error: new Error("first"), retryDelay: 1 });
  });

  it("runs the step body inside the observer's run(), so a context it sets is the body's, across awaits", async () => {
    const current = new AsyncLocalStorage<string>();
    const seen: (string | undefined)[] = [];
    const instrument: Instrumentation = {
      startRun: () => ({
        startAttempt: ({ step }) => ({ run: (body) => current.run(step, body), end: () => undefined }),
        end: () => undefined,
      }),
    };
    const wf = workflow({ name: "ctx" }).step("look", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      seen.push(current.getStore());
      await new Promise((resolve) => setTimeout(resolve, 1));
      seen.push(current.getStore());
      return StopEvent({ result: 1 });
    });
    await wf.run({}, { instrument });
    expect(seen).toEqual(["look", "look"]);
  });

  it("ends the run for its observer as failed, timed out or cancelled, with the handler's error", async () => {
    const broken = workflow({ name: "broken" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () => {
      throw new Error("no");
    });
    const slow = workflow({ name: "slow", timeout: 10 }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent] },
      (ctx) => new Promise<never>((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
    );
    const ends: RunEnd[] = [];
    for (const [wf, cancel] of [
      [broken, false],
      [slow, false],
      [slow, true],
    ] as const) {
      const { instrument, ended } = recorder();
      const handler = wf.run({}, { instrument });
      if (cancel) handler.cancel();
      const error = await handler.catch((e: unknown) => e);
      const end = ended.at(-1) as RunEnd;
      expect(end).toMatchObject({ error });
      ends.push(end);
    }
    expect(ends.map((e) => e.status)).toEqual(["failed", "timedOut", "cancelled"]);
  });

  it("hears nothing more of an attempt once it ended (its body still running after its timeout)", async () => {
    const late = deferred();
    const wf = workflow({ name: "late" })
      .step("slow", { accepts: StartEvent, emits: [Job, StopEvent], timeout: 10 }, async (ctx) => {
        await sleep(40);
        ctx.sendEvent(Job({ n: 1 }));
        late.resolve();
        return StopEvent({ result: 1 });
      })
      .step("work", { accepts: Job, emits: [StopEvent] }, async () => StopEvent({ result: 2 }));
    const { instrument, log } = recorder();
    await expect(wf.run({}, { instrument, runId: "l-1" })).rejects.toMatchObject({ code: "STEP_FAILED" });
    await late.promise;
    expect(log).toEqual([
      "run late l-1",
      "start slow#0.1 on StartEvent",
      "body slow#0.1",
      "end slow#0.1 failed",
      "run end failed",
    ]);
  });

  it("leaves a run alone when startRun returns undefined", async () => {
    let asked = 0;
    const wf = workflow({ name: "quiet" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: "ok" }),
    );
    await expect(
      wf.run(
        {},
        {
          instrument: {
            startRun: () => {
              asked++;
              return undefined;
            },
          },
        },
      ),
    ).resolves.toBe("ok");
    expect(asked).toBe(1);
  });
});
