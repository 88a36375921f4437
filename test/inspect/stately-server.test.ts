import type { StatelyInspectionEvent } from "@statelyai/inspect";
import { afterEach, describe, expect, it } from "vitest";
import type { InspectionEvent, Observer } from "xstate";
import { approval } from "../../examples/human-approval.js";
import { HumanResponseEvent, InputRequiredEvent } from "../../src/index.js";
import { statelyInspector } from "../../src/inspect/index.js";
import { localInspector, until } from "./stately-support.js";

type Inspector = Awaited<ReturnType<typeof localInspector>>["inspector"];
type Actor = Extract<StatelyInspectionEvent, { type: "@xstate.actor" }>;
type MachineJson = { type?: string; states?: Record<string, MachineJson> };

/** Runs the human-approval example: the reviewer asks for one revision, then approves. */
async function reviewed(inspect: Observer<InspectionEvent>) {
  const handler = approval.run({ topic: "statecharts" }, { inspect });
  const answers = ["Mention the inspector", "yes"];
  for await (const ev of handler.streamEvents()) {
    if (InputRequiredEvent.is(ev)) handler.sendEvent(HumanResponseEvent({ response: answers.shift() ?? "yes" }));
  }
  return handler.result;
}

/** The states one region of `running` went through, in the snapshots received, repeats folded. */
function regionHistory(values: unknown[], region: string): string[] {
  const seen: string[] = [];
  for (const value of values) {
    const state = (value as { running?: Record<string, string> }).running?.[region];
    if (state !== undefined && seen.at(-1) !== state) seen.push(state);
  }
  return seen;
}

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const stop of cleanup.splice(0)) stop();
});

describe.each([
  ["a plain inspector", (inspector: Inspector) => inspector.inspect],
  ["statelyInspector", (inspector: Inspector) => statelyInspector({ inspector }).inspect],
])("examples/human-approval.ts seen through a local inspector server on 127.0.0.1 (%s)", (_, attach) => {
  it("the inspector page receives the statechart: its regions, each region's moves, and the workflow's events from the step actors", async () => {
    const { inspector, received, stop } = await localInspector();
    cleanup.push(stop);
    await expect(reviewed(attach(inspector))).resolves.toMatchObject({ approved: true, revisions: 1 });
    await until(
      () => received.some((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "done"),
      "the final snapshot at the receiver",
    );

    const actors = received.filter((e): e is Actor => e.type === "@xstate.actor");
    const run = actors.find((a) => a.name === "human-approval");
    if (!run) throw new Error("no actor for the workflow");
    const names = new Map(actors.map((a) => [a.sessionId, a.name]));

    // The definition the inspector draws: `running` is parallel, a region per step and `human`.
    const machine = JSON.parse(run.definition ?? "{}") as MachineJson;
    const running = machine.states?.running;
    expect(running?.type).toBe("parallel");
    const regions = running?.states ?? {};
    // The inspector's serialiser sorts keys.
    expect(Object.keys(regions)).toEqual(["draft", "human", "review"]);
    expect(Object.keys(regions.draft?.states ?? {})).toEqual(["idle", "running"]);
    expect(Object.keys(regions.review?.states ?? {})).toEqual(["idle", "running"]);
    expect(Object.keys(regions.human?.states ?? {})).toEqual(["idle", "waiting"]);
    expect(Object.keys(machine.states ?? {})).toEqual(["cancelled", "completed", "failed", "running", "timedOut"]);

    // One promise actor per step invocation, children of the workflow actor.
    const steps = actors.filter((a) => a.parentId === run.sessionId && a.name !== "stepchart.clock");
    expect(steps.map((a) => a.name)).toEqual(["draft:0", "review:1", "draft:2", "review:3"]);

    // The workflow actor's snapshots: each step's region goes running and back, human waits twice.
    const values = received.flatMap((e) =>
      e.type === "@xstate.snapshot" && e.sessionId === run.sessionId ? [(e.snapshot as { value?: unknown }).value] : [],
    );
    expect(regionHistory(values, "draft")).toEqual(["idle", "running", "idle", "running", "idle"]);
    expect(regionHistory(values, "human")).toEqual(["idle", "waiting", "idle", "waiting", "idle"]);
    // review's second invocation returns the StopEvent: the run leaves `running` from there.
    expect(regionHistory(values, "review")).toEqual(["idle", "running", "idle", "running"]);
    expect(values.at(-1)).toBe("completed");

    // The workflow's own events, as machine events, each from the step actor that produced it.
    const events = received.flatMap((e) =>
      e.type === "@xstate.event" && e.sessionId === run.sessionId && !/^(xstate|stepchart)\./.test(e.event.type)
        ? [`${names.get(e.sourceId ?? "") ?? "outside"} → ${e.event.type}`]
        : [],
    );
    expect(events).toEqual([
      "outside → StartEvent",
      "draft:0 → InputRequiredEvent",
      "outside → HumanResponseEvent",
      "review:1 → Revise",
      "draft:2 → InputRequiredEvent",
      "outside → HumanResponseEvent",
      "review:3 → StopEvent",
    ]);
  });
});
