import { describe, expect, it, onTestFinished } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  SnapshotError,
  StartEvent,
  StepInterruptedError,
  StopEvent,
  WorkflowStepError,
  WorkflowTimeoutError,
  workflow,
} from "../../src/index.js";
import { useManualClock } from "../../src/testing/index.js";
import { collectStream, deferred, sleep } from "../helpers.js";

const Job = defineEvent("Job", { i: z.number() });
const Done = defineEvent("Done", { i: z.number() });

/** A run that pauses inside its second step until `gate` opens, counting what each step did. */
function gatedFlow(secondWorkers = 4) {
  const calls = { first: 0, second: 0, llm: 0 };
  let gate = deferred();
  const wf = workflow({ name: "gated" })
    .step("first", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
      calls.first++;
      ctx.set("first", true);
      return Job({ i: 1 });
    })
    .step("second", { accepts: Job, emits: [StopEvent], numWorkers: secondWorkers }, async (ctx, ev) => {
      calls.second++;
      ctx.update<number>("count", (n) => (n ?? 0) + 1);
      ctx.writeEventToStream(Done({ i: ev.i }));
      const answer = await ctx.run("llm", async () => {
        calls.llm++;
        return `answer ${calls.llm}`;
      });
      await gate.promise;
      return StopEvent({ result: { answer, count: ctx.get("count"), first: ctx.get("first") } });
    });
  return { wf, calls, open: () => gate.resolve(), reset: () => (gate = deferred()) };
}

describe("handler.snapshot() and wf.resume()", () => {
  it("continues a run snapshotted mid-step: completed steps do not re-run, ctx effects are not doubled", async () => {
    const { wf, calls, open } = gatedFlow();
    const handler = wf.run();
    await sleep(10); // second is parked at the gate, after its ctx ops and ctx.run
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot()));
    expect(snapshot).toMatchObject({ version: 1, workflow: "gated", status: "running" });
    handler.cancel();
    await handler.catch(() => undefined);

    const resumed = wf.resume(snapshot);
    const streamed = collectStream(resumed);
    open();
    await expect(resumed).resolves.toEqual({ answer: "answer 1", count: 1, first: true });
    expect(calls).toEqual({ first: 1, second: 2, llm: 1 }); // second re-ran; its ctx.run did not
    // The re-run's stream write was journaled: it is not published a second time.
    expect((await streamed).map((e) => e.type)).toEqual(["StopEvent"]);
  });

  it("takes a snapshot at any moment and a finished snapshot after the end", async () => {
    const { wf, open } = gatedFlow();
    const handler = wf.run();
    expect(handler.snapshot().status).toBe("running");
    open();
    await handler;
    const finished = handler.snapshot();
    expect(finished.status).toBe("completed");
    expect(() => wf.resume(finished)).toThrow(SnapshotError);
  });

  it("keeps human input across a restart: the prompt is pending and streamed again, the answer resumes", async () => {
    const wf = workflow({ name: "hitl" })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async (ctx) => {
        ctx.set("asked", true);
        return InputRequiredEvent({ prefix: "ok?" });
      })
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx, ev) =>
        StopEvent({ result: `${ctx.get("asked")}:${ev.response}` }),
      );
    const first = wf.run();
    await sleep(5);
    const snapshot = first.snapshot();
    expect(snapshot.status).toBe("waiting");
    first.cancel();
    await first.catch(() => undefined);

    const resumed = wf.resume(JSON.parse(JSON.stringify(snapshot)));
    expect(resumed.pendingInput).toEqual([{ type: "InputRequiredEvent", prefix: "ok?" }]);
    const streamed = collectStream(resumed);
    resumed.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(resumed).resolves.toBe("true:yes");
    expect((await streamed).map((e) => e.type)).toEqual(["InputRequiredEvent", "StopEvent"]);
  });

  it("keeps a reply that arrives before the re-run step is waiting again (predicate waiters)", async () => {
    const wf = workflow({ name: "wait-where" }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent] },
      async (ctx) => {
        const reply = await ctx.waitForEvent(HumanResponseEvent, {
          where: (ev) => ev.response.startsWith("ok"),
          prompt: InputRequiredEvent({ prefix: "ok?" }),
        });
        return StopEvent({ result: reply.response });
      },
    );
    const first = wf.run();
    await sleep(5);
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    const resumed = wf.resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "no" })); // not for this waiter
    resumed.sendEvent(HumanResponseEvent({ response: "ok then" })); // sent before the step re-ran
    await expect(resumed).resolves.toBe("ok then");
  });

  it("re-arms the run deadline from the snapshot (XState does not persist timers)", async () => {
    const clock = useManualClock();
    onTestFinished(() => clock.restore());
    const wf = workflow({ name: "slow", timeout: 60_000 }).step(
      "hang",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        return null;
      },
    );
    const first = wf.run();
    await clock.advance(20_000);
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    const resumed = wf.resume(snapshot);
    const outcome = resumed.catch((e: unknown) => e);
    await clock.advance(39_999); // the deadline is the first run's: 60 s after it started
    expect(resumed.snapshot().status).toBe("running");
    await clock.advance(1);
    expect(await outcome).toBeInstanceOf(WorkflowTimeoutError);
  });

  it("fails the run instead of re-running a step with onRestore: 'fail'", async () => {
    const gate = deferred();
    const wf = workflow({ name: "charge" }).step(
      "charge",
      { accepts: StartEvent, emits: [StopEvent], onRestore: "fail" },
      async () => {
        await gate.promise;
        return StopEvent({ result: "charged" });
      },
    );
    const first = wf.run();
    await sleep(5);
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    const err = (await wf.resume(snapshot).catch((e: unknown) => e)) as WorkflowStepError;
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect(err.cause).toBeInstanceOf(StepInterruptedError);
  });

  it("waits out a retry delay that was running when the snapshot was taken", async () => {
    const clock = useManualClock();
    onTestFinished(() => clock.restore());
    let attempts = 0;
    const wf = workflow({ name: "retrying" }).step(
      "flaky",
      { accepts: StartEvent, emits: [StopEvent], retry: { attempts: 3, delay: 40_000 } },
      async (ctx) => {
        attempts++;
        if (ctx.attempt.number === 1) throw new Error("transient");
        return StopEvent({ result: ctx.attempt.number });
      },
    );
    const first = wf.run();
    await clock.advance(10_000); // attempt 1 failed; the 40 s delay is running
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    const outcome = wf.resume(snapshot).catch((e: unknown) => e);
    await clock.advance(29_999);
    expect(attempts).toBe(1); // the rest of the delay is waited out
    await clock.advance(1);
    expect(await outcome).toBe(2);
    expect(attempts).toBe(2);
  });

  it("journals concurrent ctx.runs, and one that threw, at their own positions", async () => {
    let calls = 0;
    let gate = deferred();
    const wf = workflow({ name: "parallel-runs" }).step(
      "s",
      { accepts: StartEvent, emits: [StopEvent] },
      async (ctx) => {
        const failing = ctx
          .run("a", async () => {
            await sleep(2);
            throw new Error("a failed");
          })
          .catch(() => "fallback");
        const [a, b] = await Promise.all([
          failing,
          ctx.run("b", async () => {
            calls++;
            await sleep(10);
            return "B";
          }),
        ]);
        const c = await ctx.run("c", async () => {
          calls++;
          return "C";
        });
        await gate.promise;
        return StopEvent({ result: `${a}${b}${c}` });
      },
    );
    const first = wf.run();
    await sleep(40);
    const snapshot = JSON.parse(JSON.stringify(first.snapshot()));
    first.cancel();
    await first.catch(() => undefined);
    gate = deferred();
    gate.resolve();
    await expect(wf.resume(snapshot)).resolves.toBe("fallbackBC");
    expect(calls).toBe(2); // b and c were journaled; only the failed a ran again
  });

  it("leaves the caller's snapshot object untouched", async () => {
    const { wf, open } = gatedFlow();
    const first = wf.run();
    await sleep(10);
    const snapshot = first.snapshot();
    first.cancel();
    await first.catch(() => undefined);
    const copy = JSON.stringify(snapshot);
    open();
    await wf.resume(snapshot);
    expect(JSON.stringify(snapshot)).toBe(copy);
  });
});

describe("snapshots that must be refused (SnapshotError, nothing started)", () => {
  async function waitingSnapshot() {
    const { wf } = gatedFlow();
    const handler = wf.run();
    await sleep(5);
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot()));
    handler.cancel();
    await handler.catch(() => undefined);
    return { wf, snapshot };
  }

  it("refuses a run waiting for a person with its clock running, into a workflow that stops it while waiting", async () => {
    const asking = (whileWaiting: boolean) =>
      workflow({ name: "ask-timed", timeout: { run: 60_000, whileWaiting } })
        .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
          InputRequiredEvent({ prefix: "?" }),
        )
        .step("done", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
          StopEvent({ result: ev.response }),
        );
    const handler = asking(true).run();
    for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") break;
    const snapshot = handler.snapshot();
    handler.cancel();
    await handler.catch(() => undefined);
    // The timeout is no part of the definition's fingerprint; the clock in context must fit it.
    expect(() => asking(false).resume(snapshot)).toThrow(/a prompt is pending, but the run clock runs/);
    const resumed = asking(true).resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "ok" }));
    await expect(resumed).resolves.toBe("ok");
  });

  it("refuses a snapshot of another definition", async () => {
    const { snapshot } = await waitingSnapshot();
    const other = gatedFlow(2).wf; // same name, one option changed
    expect(() => other.resume(snapshot)).toThrow(/another definition/);
  });

  it("refuses an unknown version, a malformed object, and non-objects", async () => {
    const { wf, snapshot } = await waitingSnapshot();
    expect(() => wf.resume({ ...snapshot, version: 99 })).toThrow(/Unknown snapshot version 99/);
    expect(() => wf.resume({ ...snapshot, machine: { ...snapshot.machine, context: { runId: 1 } } })).toThrow(
      SnapshotError,
    );
    expect(() => wf.resume("not json" as never)).toThrow(/needs the store/);
    expect(() => wf.resume(null as never)).toThrow(SnapshotError);
    expect(() => wf.resume([] as never)).toThrow(SnapshotError);
  });

  it("refuses a snapshot naming a step or a state this workflow does not have", async () => {
    const { wf, snapshot } = await waitingSnapshot();
    const ghost = JSON.parse(JSON.stringify(snapshot));
    ghost.machine.context.inflight[0].step = "ghost";
    expect(() => wf.resume(ghost)).toThrow(/names a step "ghost"/);
    expect(() => wf.resume({ ...snapshot, machine: { ...snapshot.machine, value: "bogus" } })).toThrow(
      /must be in state .*"running"/,
    );
  });

  it("refuses prototype-pollution keys anywhere in it", async () => {
    const { wf, snapshot } = await waitingSnapshot();
    const text = JSON.stringify(snapshot).replace('"state":{', '"state":{"__proto__":{"polluted":true},');
    expect(() => wf.resume(JSON.parse(text))).toThrow(/forbidden key "__proto__"/);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it("refuses unsigned and altered snapshots of a workflow with a snapshotSecret", async () => {
    const signed = workflow({ name: "signed", snapshotSecret: "s3cret" })
      .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () =>
        InputRequiredEvent({ prefix: "?" }),
      )
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
        StopEvent({ result: ev.response }),
      );
    const handler = signed.run();
    await sleep(5);
    const snapshot = handler.snapshot();
    handler.cancel();
    await handler.catch(() => undefined);
    expect(snapshot.signature).toMatch(/^[0-9a-f]{64}$/);
    const { signature: _, ...unsigned } = snapshot;
    expect(() => signed.resume(unsigned as never)).toThrow(/not signed/);
    const altered = JSON.parse(JSON.stringify(snapshot));
    altered.machine.context.state.injected = 1;
    expect(() => signed.resume(altered)).toThrow(/signature does not match/);
    const resumed = signed.resume(JSON.parse(JSON.stringify(snapshot)));
    expect(resumed.pendingInput).toHaveLength(1);
    resumed.cancel();
    await resumed.catch(() => undefined);
  });

  it("lets a migrate hook upgrade an old snapshot deliberately", async () => {
    const { wf, snapshot } = await waitingSnapshot();
    const old = { ...snapshot, version: 0, definitionHash: "old" };
    expect(() => wf.resume(old)).toThrow(SnapshotError);
    const seen: unknown[] = [];
    const resumed = wf.resume(old, {
      migrate: (s) => {
        seen.push(s);
        return { ...(s as object), version: 1, definitionHash: snapshot.definitionHash };
      },
    });
    expect(seen).toEqual([old]);
    resumed.cancel();
    await resumed.catch(() => undefined);
  });

  it("never hands a migrate hook a polluted snapshot", async () => {
    const { wf, snapshot } = await waitingSnapshot();
    const text = JSON.stringify({ ...snapshot, version: 0 }).replace('"state":{', '"state":{"__proto__":{"x":1},');
    let called = false;
    expect(() =>
      wf.resume(JSON.parse(text), {
        migrate: (s) => {
          called = true;
          return s;
        },
      }),
    ).toThrow(/forbidden key/);
    expect(called).toBe(false);
  });
});
