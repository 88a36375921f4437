import { createInspector, type StatelyInspectionEvent } from "@statelyai/inspect";
import { describe, expect, it } from "vitest";
import type { InspectionEvent, Observer } from "xstate";
import { z } from "zod";
import type { MachineShape } from "../../src/definition/shape.js";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { statelyInspector } from "../../src/inspect/index.js";
import { until } from "./stately-support.js";

const Drafted = defineEvent("Drafted", { text: z.string() });
const approvalOf = (shape: MachineShape) =>
  workflow({ name: "approval", shape })
    .step("draft", { accepts: StartEvent, emits: [Drafted] }, async (_ctx, ev) => Drafted({ text: String(ev.topic) }))
    .step("review", { accepts: Drafted, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
      InputRequiredEvent({ prefix: "ok?", payload: ev.text }),
    )
    .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
      StopEvent({ result: ev.response }),
    );
const approval = approvalOf("statechart");
type Inspect = Observer<InspectionEvent>;

async function answered(inspect: Inspect, topic = "tea", wf = approval) {
  const handler = wf.run({ topic }, { inspect });
  for await (const ev of handler.streamEvents()) {
    if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
  }
  return handler.result;
}

/** Records what `statelyInspector` sends, and what it was given (`raw`), until the run's final snapshot. */
function recorder(options: { maxStringLength?: number; maxArrayLength?: number } = {}) {
  const got: StatelyInspectionEvent[] = [];
  const raw: InspectionEvent[] = [];
  const inspector = createInspector({ send: (e) => void got.push(e) });
  const { inspect } = statelyInspector({ inspector, ...options });
  const tee: Inspect = {
    next(e) {
      raw.push(e);
      inspect.next?.(e);
    },
  };
  const settled = () =>
    until(() => got.some((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "done"), "the final snapshot");
  return { got, raw, inspect: tee, settled };
}

/** Workflow events in what was sent, as `<source actor> → <type>`. */
function workflowEvents(got: StatelyInspectionEvent[]): string[] {
  const names = new Map(got.flatMap((e) => (e.type === "@xstate.actor" ? [[e.sessionId, e.name] as const] : [])));
  return got.flatMap((e) =>
    e.type === "@xstate.event" && !/^(xstate|stepchart)\./.test(e.event.type)
      ? [`${names.get(e.sourceId ?? "") ?? "outside"} → ${e.event.type}`]
      : [],
  );
}

const expectedEvents = [
  "outside → StartEvent",
  "draft:0 → Drafted",
  "review:1 → InputRequiredEvent",
  "outside → HumanResponseEvent",
  "decide:2 → StopEvent",
];

describe("statelyInspector over @statelyai/inspect", () => {
  it("adds nothing to the statechart shape's events: each workflow event is sent once, as the machine's own, from its step actor", async () => {
    const { got, raw, inspect, settled } = recorder();
    await expect(answered(inspect)).resolves.toBe("yes");
    await settled();

    const actors = got.flatMap((e) => (e.type === "@xstate.actor" ? [e.name] : []));
    expect(actors).toEqual(["approval", "stepchart.clock", "draft:0", "review:1", "decide:2"]);
    expect(workflowEvents(got)).toEqual(expectedEvents);
    // Nothing synthesised: as many events as the machine's own inspection gave.
    const events = (list: { type: string }[]) => list.filter((e) => e.type === "@xstate.event").length;
    expect(events(got)).toBe(events(raw));
    // The machine config is sent along: the inspector draws the statechart.
    const definition = JSON.parse(got.find((e) => e.type === "@xstate.actor")?.definition ?? "{}");
    expect(definition).toMatchObject({ id: "approval", initial: "running", states: { running: { type: "parallel" } } });
  });

  it("bridges the compact shape's workflow events, routed inside its machine, into the sequence view with their step actor as source", async () => {
    const { got, raw, inspect, settled } = recorder();
    await expect(answered(inspect, "tea", approvalOf("compact"))).resolves.toBe("yes");
    await settled();

    expect(got.flatMap((e) => (e.type === "@xstate.actor" ? [e.name] : []))).toEqual([
      "approval",
      "draft:0",
      "review:1",
      "decide:2",
    ]);
    expect(workflowEvents(got)).toEqual(expectedEvents);
    // Without the bridge, a plain inspector sees only the answer from outside.
    const plain = raw.flatMap((e) =>
      e.type === "@xstate.event" && !/^(xstate|stepchart)\./.test(e.event.type) ? [e.event.type] : [],
    );
    expect(plain).toEqual(["HumanResponseEvent"]);
  });

  it("summarises large context: long strings are cut, long arrays shortened", async () => {
    const { got, inspect, settled } = recorder({ maxStringLength: 20, maxArrayLength: 2 });
    await answered(inspect, "x".repeat(5_000));
    await settled();
    const sent = JSON.stringify(got);
    expect(sent).toContain("… (5000 chars)");
    expect(sent).not.toContain("x".repeat(21));
    expect(sent).toMatch(/"… \d+ more"/); // the run's recent event types, past the first two
  });

  it.each([
    ["statechart", /^xstate\.error\.actor\./],
    ["compact", /^stepchart\.failed$/],
  ] as const)(
    "keeps a failed step's error readable (name and message) in what it sends (%s shape)",
    async (shape, failure) => {
      const { got, inspect } = recorder();
      const failing = workflow({ name: "failing", shape }).step(
        "boom",
        { accepts: StartEvent, emits: [StopEvent] },
        async () => {
          throw new TypeError("the disk is full");
        },
      );
      await expect(failing.run({}, { inspect })).rejects.toThrow(/disk is full/);
      const failed = () => got.find((e) => e.type === "@xstate.event" && failure.test(e.event.type));
      await until(() => failed() !== undefined, "the failure");
      expect((failed() as unknown as { event: { error: unknown } }).event.error).toMatchObject({
        name: "TypeError",
        message: "the disk is full",
      });
    },
  );
});
