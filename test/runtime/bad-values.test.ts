/**
 * Values that are not JSON, too deep or cyclic, and events of another definition: refused at the
 * boundary where they come in, each with its own WorkflowError, never a RangeError or a poisoned run.
 * Also runs with step actors.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type AnyEvent,
  defineEvent,
  EventValidationError,
  HumanResponseEvent,
  InputRequiredEvent,
  isWorkflowError,
  SnapshotError,
  StartEvent,
  StepStateError,
  StopEvent,
  startEvent,
  stopEvent,
  type WorkflowSnapshot,
  WorkflowStepError,
  workflow,
} from "../../src/index.js";

/** A value nested `levels` objects deep: `{ next: { next: ... "bottom" } }`. */
function nested(levels: number): Record<string, unknown> {
  let value: unknown = "bottom";
  for (let i = 0; i < levels; i++) value = { next: value };
  return value as Record<string, unknown>;
}

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { name: "loop" };
  value.self = value;
  return value;
}

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
};

/** A run that waits for a person, so a test can send it events and take its snapshot. */
const waiting = workflow({ name: "waiting", timeout: 5_000 })
  .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({ prefix: "?" }))
  .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );

async function untilWaiting(handler: { streamEvents(): AsyncIterable<AnyEvent> }): Promise<void> {
  for await (const ev of handler.streamEvents()) if (ev.type === "InputRequiredEvent") return;
}

describe("a typed stop or start event next to the built-in one", () => {
  const Answer = stopEvent(z.object({ text: z.string() }));

  it("fails the run with an EventValidationError naming the step when it returns the built-in StopEvent", async () => {
    const wf = workflow({ name: "typed-stop", stop: Answer }).step(
      "answer",
      { accepts: StartEvent, emits: [Answer] },
      // The types refuse it; a cast, or JavaScript, gets past them.
      async () => StopEvent({ result: 42 }) as never,
    );
    const err = await wf.run().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowStepError);
    expect((err as WorkflowStepError).step).toBe("answer");
    const cause = (err as WorkflowStepError).cause;
    expect(cause).toBeInstanceOf(EventValidationError);
    expect((cause as EventValidationError).message).toMatch(/^Step "answer" returned an invalid "StopEvent": result: /);
  });

  it("checks a StopEvent sent with ctx.sendEvent against the workflow's stop too", async () => {
    const wf = workflow({ name: "typed-stop-sent", stop: Answer }).step(
      "answer",
      { accepts: StartEvent, emits: [Answer] },
      async (ctx) => ctx.sendEvent(StopEvent({ result: "untyped" }) as never),
    );
    const err = (await wf.run().catch((e: unknown) => e)) as WorkflowStepError;
    expect(err.cause).toBeInstanceOf(EventValidationError);
    expect((err.cause as Error).message).toMatch(/^Step "answer" sent an invalid "StopEvent"/);
  });

  it("validates an outside StartEvent built by the built-in factory against the workflow's typed start", async () => {
    const Topic = startEvent({ topic: z.string() });
    const seen: unknown[] = [];
    const wf = workflow({ name: "typed-start", start: Topic, timeout: 5_000 })
      .step("ask", { accepts: Topic, emits: [InputRequiredEvent] }, async (_ctx, ev) => {
        seen.push(ev.topic);
        return InputRequiredEvent({ prefix: "?" });
      })
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: seen }));
    const handler = wf.run({ topic: "tea" });
    await untilWaiting(handler);
    expect(thrown(() => handler.sendEvent(StartEvent({ topic: 42 }) as never))).toBeInstanceOf(EventValidationError);
    handler.actor.send(StartEvent({ topic: 42 })); // refused as it arrives: an EventRejectedEvent
    handler.sendEvent(HumanResponseEvent({ response: "done" }));
    await expect(handler).resolves.toEqual(["tea"]);
  });
});

describe("deep and cyclic values", () => {
  it("wf.run refuses a 10 000-level or cyclic input with EventValidationError", () => {
    for (const input of [{ data: nested(10_000) }, cyclic()]) {
      const err = thrown(() => waiting.run(input));
      expect(err).toBeInstanceOf(EventValidationError);
      expect((err as EventValidationError).code).toBe("EVENT_VALIDATION");
    }
  });

  it("handler.sendEvent refuses a deep or cyclic event with EventValidationError; the run goes on", async () => {
    const handler = waiting.run();
    await untilWaiting(handler);
    for (const extra of [nested(10_000), cyclic()]) {
      const event = { type: "HumanResponseEvent", response: "no", extra } as never;
      expect(thrown(() => handler.sendEvent(event))).toBeInstanceOf(EventValidationError);
    }
    handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(handler).resolves.toBe("yes");
  });

  it("a raw actor.send of a deep or cyclic event becomes an EventRejectedEvent; the run goes on", async () => {
    const handler = waiting.run();
    const rejected: AnyEvent[] = [];
    handler.actor.on("EventRejectedEvent", (ev: AnyEvent) => rejected.push(ev));
    await untilWaiting(handler);
    handler.actor.send({ type: "HumanResponseEvent", response: "no", extra: nested(10_000) });
    handler.actor.send({ type: "HumanResponseEvent", response: "no", extra: cyclic() });
    handler.actor.send({ type: "Unknown", extra: cyclic() });
    handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(handler).resolves.toBe("yes");
    expect(rejected.map((ev) => (ev.issues as { message: string }[])[0]?.message)).toEqual([
      "is nested more than 1000 levels deep (the limit is 1000)",
      "is a cycle (refers to an object that contains it)",
      'this workflow does not accept events of type "Unknown"',
    ]);
    // The rejected event is kept as a description, not a copy it could not make.
    expect(rejected[1]?.event).toBe("[not copied: extra.self is a cycle (refers to an object that contains it)]");
  });

  it("ctx.set, ctx.update and ctx.run refuse deep or cyclic values with StepStateError", async () => {
    const wf = workflow({ name: "deep-state" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const codes: string[] = [];
      const attempt = async (fn: () => unknown) => {
        try {
          await fn();
          codes.push("ok");
        } catch (err) {
          codes.push(err instanceof StepStateError ? err.code : String(err));
        }
      };
      await attempt(() => ctx.set("deep", nested(10_000)));
      await attempt(() => ctx.set("loop", cyclic()));
      await attempt(() => ctx.update("deep", () => nested(10_000)));
      await attempt(() => ctx.run("fetch", async () => nested(10_000)));
      await attempt(() => ctx.run("loop", async () => cyclic()));
      await attempt(() => ctx.set("limit", nested(999))); // 1000 levels: the limit itself
      return StopEvent({ result: codes });
    });
    await expect(wf.run()).resolves.toEqual(["STATE", "STATE", "STATE", "STATE", "STATE", "ok"]);
  });

  it("writeEventToStream refuses a deep or cyclic event with EventValidationError", async () => {
    const wf = workflow({ name: "deep-stream" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const errors = [nested(10_000), cyclic()].map((extra) =>
        thrown(() => ctx.writeEventToStream({ type: "Note", extra })),
      );
      return StopEvent({ result: errors.map((e) => (e as EventValidationError).code) });
    });
    await expect(wf.run()).resolves.toEqual(["EVENT_VALIDATION", "EVENT_VALIDATION"]);
  });

  it("handler.snapshot() of a run whose state was made cyclic or deep in place is a SnapshotError", async () => {
    for (const spoil of [
      (box: Record<string, unknown>) => {
        box.self = box;
      },
      (box: Record<string, unknown>) => {
        box.next = nested(10_000);
      },
    ]) {
      const wf = workflow({ name: "spoiled", timeout: 5_000 })
        .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async (ctx) => {
          ctx.set("box", { n: 1 });
          spoil(ctx.get("box") as Record<string, unknown>); // state is shared, not copied
          return InputRequiredEvent({ prefix: "?" });
        })
        .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
      const handler = wf.run();
      await untilWaiting(handler);
      const err = thrown(() => handler.snapshot());
      expect(err).toBeInstanceOf(SnapshotError);
      expect((err as SnapshotError).message).toMatch(
        /^The run cannot be snapshotted: context\.state\.box\.(self is a cycle|next.* is nested more than)/,
      );
      handler.cancel();
      await handler.catch(() => undefined);
    }
  });

  it("resume refuses a snapshot holding a 10 000-level or cyclic value with SnapshotError", async () => {
    const handler = waiting.run();
    await untilWaiting(handler);
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot())) as WorkflowSnapshot;
    handler.cancel();
    await handler.catch(() => undefined);
    const spoiled = (value: unknown) => {
      const copy = JSON.parse(JSON.stringify(snapshot)) as { machine: { context: { state: object } } };
      copy.machine.context.state = { value };
      return copy as unknown as WorkflowSnapshot;
    };
    for (const value of [nested(10_000), cyclic()]) {
      const err = thrown(() => waiting.resume(spoiled(value)));
      expect(err).toBeInstanceOf(SnapshotError);
      expect(isWorkflowError(err) && err.code).toBe("SNAPSHOT");
    }
  });

  it("a value at the depth limit goes through a run, its snapshot and a resume", async () => {
    const Deep = defineEvent("Deep", { data: z.unknown() });
    const wf = workflow({ name: "at-the-limit", timeout: 5_000 })
      .step("keep", { accepts: StartEvent, emits: [Deep] }, async (ctx, ev) => {
        ctx.set("data", ev.data);
        return Deep({ data: ev.data });
      })
      .step("ask", { accepts: Deep, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
        InputRequiredEvent({ payload: ev.data }),
      )
      .step("answer", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx) => {
        let depth = 0;
        for (let at = ctx.get("data") as { next?: unknown } | string; typeof at === "object"; at = at.next as never)
          depth++;
        return StopEvent({ result: depth });
      });
    const handler = wf.run({ data: nested(999) });
    await untilWaiting(handler);
    const snapshot = JSON.parse(JSON.stringify(handler.snapshot())) as WorkflowSnapshot;
    handler.cancel();
    await handler.catch(() => undefined);
    const resumed = wf.resume(snapshot);
    resumed.sendEvent(HumanResponseEvent({ response: "ok" }));
    await expect(resumed).resolves.toBe(999);
  });
});

describe("values that are not JSON, at every boundary", () => {
  it("handler.sendEvent refuses a raw event holding a Date, naming the field", async () => {
    const handler = waiting.run();
    await untilWaiting(handler);
    const err = thrown(() =>
      handler.sendEvent({ type: "HumanResponseEvent", response: "yes", at: new Date() } as never),
    ) as EventValidationError;
    expect(err).toBeInstanceOf(EventValidationError);
    expect(err.issues).toEqual([{ path: "at", message: "is a Date instance (only plain objects are JSON)" }]);
    handler.sendEvent(HumanResponseEvent({ response: "yes" }));
    await expect(handler).resolves.toBe("yes");
  });

  it("a raw actor.send of an event holding a Date becomes an EventRejectedEvent naming the field", async () => {
    const handler = waiting.run();
    const rejected: AnyEvent[] = [];
    handler.actor.on("EventRejectedEvent", (ev: AnyEvent) => rejected.push(ev));
    await untilWaiting(handler);
    handler.actor.send({ type: "HumanResponseEvent", response: "yes", at: new Date(0) });
    handler.sendEvent(HumanResponseEvent({ response: "ok" }));
    await expect(handler).resolves.toBe("ok");
    expect(rejected).toEqual([
      {
        type: "EventRejectedEvent",
        event: { type: "HumanResponseEvent", response: "yes", at: "1970-01-01T00:00:00.000Z" },
        issues: [{ path: "at", message: "is a Date instance (only plain objects are JSON)" }],
      },
    ]);
  });

  it("fails the run naming the step when it returns or sends a hand-built event holding a Date", async () => {
    const Note = defineEvent("Note", { text: z.string() });
    for (const how of ["returned", "sent"] as const) {
      const wf = workflow({ name: `bad-${how}` })
        .step("make", { accepts: StartEvent, emits: [Note] }, async (ctx) => {
          const note = { type: "Note", text: "hi", at: new Date() } as never;
          if (how === "returned") return note;
          ctx.sendEvent(note);
        })
        .step("end", { accepts: Note, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
      const err = (await wf.run().catch((e: unknown) => e)) as WorkflowStepError;
      expect(err).toBeInstanceOf(WorkflowStepError);
      expect(err.step).toBe("make");
      expect(err.cause).toBeInstanceOf(EventValidationError);
      expect((err.cause as EventValidationError).issues).toEqual([
        { path: "at", message: "is a Date instance (only plain objects are JSON)" },
      ]);
    }
  });

  it("writeEventToStream refuses an event holding a Date, naming the field", async () => {
    const wf = workflow({ name: "bad-stream" }).step("s", { accepts: StartEvent, emits: [StopEvent] }, async (ctx) => {
      const err = thrown(() => ctx.writeEventToStream({ type: "Note", at: new Date() })) as EventValidationError;
      return StopEvent({ result: err.message });
    });
    await expect(wf.run()).resolves.toBe(
      'ctx.writeEventToStream: invalid "Note": at is a Date instance (only plain objects are JSON)',
    );
  });
});
