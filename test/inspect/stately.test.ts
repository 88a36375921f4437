import { createServer } from "node:net";
import {
  createInspector,
  createWebSocketInspector,
  createWebSocketReceiver,
  type StatelyInspectionEvent,
} from "@statelyai/inspect";
import { createInspectorServer } from "@statelyai/inspect/server";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  workflow,
} from "../../src/index.js";
import { statelyInspector } from "../../src/inspect/index.js";

const Drafted = defineEvent("Drafted", { text: z.string() });
const approval = workflow({ name: "approval" })
  .step("draft", { accepts: StartEvent, emits: [Drafted] }, async (_ctx, ev) => Drafted({ text: String(ev.topic) }))
  .step("review", { accepts: Drafted, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
    InputRequiredEvent({ prefix: "ok?", payload: ev.text }),
  )
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );

async function answered(
  inspect: Parameters<typeof approval.run>[1] extends infer O ? (O extends { inspect?: infer I } ? I : never) : never,
  topic = "tea",
) {
  const handler = approval.run({ topic }, { inspect });
  for await (const ev of handler.streamEvents()) {
    if (ev.type === "InputRequiredEvent") handler.sendEvent(HumanResponseEvent({ response: "yes" }));
  }
  return handler.result;
}

/** Resolves once `ready()` holds, checked every 10 ms, or rejects after `ms`. */
async function until(ready: () => boolean, what: string, ms = 5_000) {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const workflowEvents = (got: StatelyInspectionEvent[]) =>
  got.flatMap((e) =>
    e.type === "@xstate.event" && !e.event.type.startsWith("stepchart.") && !e.event.type.startsWith("xstate.")
      ? [e]
      : [],
  );

const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const stop of cleanup.splice(0)) stop();
});

describe("statelyInspector over @statelyai/inspect", () => {
  it("bridges the workflow events raised inside the machine into the sequence view, with their step actor as source", async () => {
    const got: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (e) => void got.push(e) });
    await expect(answered(statelyInspector({ inspector }).inspect)).resolves.toBe("yes");
    await until(
      () => got.some((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "done"),
      "the final snapshot",
    );

    const actors = got.flatMap((e) => (e.type === "@xstate.actor" ? [e] : []));
    const names = new Map(actors.map((a) => [a.sessionId, a.name]));
    expect(actors.map((a) => a.name)).toEqual(["approval", "draft:0", "review:1", "decide:2"]);
    expect(workflowEvents(got).map((e) => `${names.get(e.sourceId ?? "") ?? "outside"} → ${e.event.type}`)).toEqual([
      "outside → StartEvent",
      "draft:0 → Drafted",
      "review:1 → InputRequiredEvent",
      "outside → HumanResponseEvent",
      "decide:2 → StopEvent",
    ]);
    // The machine config is sent along: the inspector draws the compiled statechart.
    expect(JSON.parse(actors[0]?.definition ?? "{}")).toMatchObject({ id: "approval", initial: "running" });
  });

  it("summarises large context: long strings are cut, long arrays shortened", async () => {
    const got: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (e) => void got.push(e) });
    await answered(statelyInspector({ inspector, maxStringLength: 20, maxArrayLength: 2 }).inspect, "x".repeat(5_000));
    await until(
      () => got.some((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "done"),
      "the final snapshot",
    );
    const sent = JSON.stringify(got);
    expect(sent).toContain("… (5000 chars)");
    expect(sent).not.toContain("x".repeat(21));
    expect(sent).toMatch(/"… \d+ more"/); // the run's recent event types, past the first two
  });

  it("keeps a failed step's error readable (name and message) in what it sends", async () => {
    const got: StatelyInspectionEvent[] = [];
    const inspector = createInspector({ send: (e) => void got.push(e) });
    const failing = workflow({ name: "failing" }).step(
      "boom",
      { accepts: StartEvent, emits: [StopEvent] },
      async () => {
        throw new TypeError("the disk is full");
      },
    );
    await expect(failing.run({}, { inspect: statelyInspector({ inspector }).inspect })).rejects.toThrow(/disk is full/);
    await until(
      () => got.some((e) => e.type === "@xstate.event" && e.event.type === "stepchart.failed"),
      "the failure",
    );
    const failed = got.find((e) => e.type === "@xstate.event" && e.event.type === "stepchart.failed") as unknown as {
      event: { error: unknown };
    };
    expect(failed.event.error).toMatchObject({ name: "TypeError", message: "the disk is full" });
  });

  it("streams a run to a local WebSocket inspector server on 127.0.0.1, and a receiver gets actors, events and snapshots", async () => {
    const port = await freePort();
    const server = createInspectorServer({ port, autoOpen: false });
    cleanup.push(() => server.stop());
    const got: StatelyInspectionEvent[] = [];
    createWebSocketReceiver({ server: `ws://127.0.0.1:${port}` }).subscribe((e) => void got.push(e));
    const inspector = createWebSocketInspector({ url: `ws://127.0.0.1:${port}` });
    cleanup.push(() => inspector.stop());

    await expect(answered(statelyInspector({ inspector }).inspect)).resolves.toBe("yes");
    await until(
      () => got.some((e) => e.type === "@xstate.snapshot" && e.snapshot.status === "done"),
      "the final snapshot at the receiver",
    );
    const types = new Set(got.map((e) => e.type));
    expect(types).toEqual(new Set(["@xstate.actor", "@xstate.event", "@xstate.snapshot"]));
    expect(got.filter((e) => e.type === "@xstate.actor").map((e) => (e as { name: string }).name)).toContain(
      "approval",
    );
    expect(workflowEvents(got).map((e) => e.event.type)).toEqual([
      "StartEvent",
      "Drafted",
      "InputRequiredEvent",
      "HumanResponseEvent",
      "StopEvent",
    ]);
  });
});
