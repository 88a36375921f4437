import { describe, expect, it } from "vitest";
import { createActor, type InspectionEvent } from "xstate";
import { z } from "zod";
import { approval } from "../../examples/human-approval.js";
import { parallelSearch } from "../../examples/parallel-search.js";
import { buildIndex, rag } from "../../examples/rag.js";
import { visitCounter } from "../../examples/state.js";
import { runRegions } from "../../src/compiler/regions.js";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type WorkflowHandler,
  workflow,
} from "../../src/index.js";
import { type StatechartValue, statechartTimeline, type TraceEntry, traceRun } from "../../src/inspect/index.js";

type Node = { type?: string; initial?: string; on?: Record<string, unknown>; states?: Record<string, Node> };

/** A config's state tree: every state's path, type and initial state (no transitions). */
function shape(node: Node, path = "root"): string[] {
  const own = `${path} ${node.type ?? ""} ${node.initial ?? ""}`.trim();
  return [own, ...Object.entries(node.states ?? {}).flatMap(([key, child]) => shape(child, `${path}.${key}`))];
}

const regionsOf = (config: Node) => (config.states?.running?.states ?? {}) as Record<string, Node>;
const eventsOn = (node: Node | undefined) => Object.keys(node?.on ?? {});

describe("wf.toStatechart(): the runtime machine, drawn", () => {
  const examples = { approval, parallelSearch, rag, visitCounter };

  it.each(Object.entries(examples))("%s: has exactly the runtime machine's states", (_, wf) => {
    const drawn = wf.toStatechart().config as Node;
    const runtime = wf.toMachine({ shape: "statechart" }).config as Node;
    expect(shape(drawn)).toEqual(shape(runtime));
  });

  it.each(Object.entries(examples))(
    "%s: moves each region on the event types of the machine's region table",
    (_, wf) => {
      const regions = runRegions(wf.definition);
      const drawn = regionsOf(wf.toStatechart().config as Node);
      for (const region of regions.steps) {
        expect(eventsOn(drawn[region.key]?.states?.idle), region.key).toEqual(region.starts);
        expect(eventsOn(drawn[region.key]?.states?.running), region.key).toEqual(region.ends);
        expect(drawn[region.key]?.states?.idle?.on?.[region.starts[0] as string]).toEqual({
          target: "running",
          guard: "starts",
        });
      }
      if (regions.human) {
        expect(eventsOn(drawn[regions.human.key]?.states?.idle)).toEqual(regions.human.asks);
        expect(eventsOn(drawn[regions.human.key]?.states?.waiting)).toEqual(regions.human.answers);
      } else expect(drawn.human).toBeUndefined();
    },
  );

  it("keeps the transitions that end the run, with their guards, and is plain JSON", () => {
    const config = approval.toStatechart().config as Node;
    expect(config.states?.running?.on).toEqual({
      StopEvent: { target: "#human-approval.completed", guard: "stops" },
      "xstate.error.actor.*": { target: "#human-approval.failed", guard: "isStepFailure" },
      "stepchart.timeout": { target: "#human-approval.timedOut", guard: "timerArmed" },
      "stepchart.cancel": { target: "#human-approval.cancelled" },
      "stepchart.check": { target: "#human-approval.failed", guard: "isStalled" },
    });
    // What Stately's editor imports.
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
  });

  it("names the human region so that it never takes a step's place", () => {
    const wf = workflow({ name: "names" })
      .step("human", { accepts: StartEvent, emits: [InputRequiredEvent] }, async () => InputRequiredEvent({}))
      .step("human_2", { accepts: HumanResponseEvent, emits: [StopEvent] }, async () => StopEvent({ result: 1 }));
    expect(Object.keys(regionsOf(wf.toStatechart().config as Node))).toEqual(["human", "human_2", "human_3"]);
  });

  it("has no human region when nobody is asked", () => {
    expect(Object.keys(regionsOf(rag.toStatechart().config as Node))).toEqual(["retrieve", "synthesise"]);
  });

  it("draws a compact workflow as the statechart shape would run it", () => {
    const wf = workflow({ name: "hot", shape: "compact" }).step(
      "loop",
      { accepts: StartEvent, emits: [StopEvent] },
      async () => StopEvent({ result: 1 }),
    );
    expect(Object.keys(regionsOf(wf.toStatechart().config as Node))).toEqual(["loop"]);
  });

  it("runs nothing: an actor of the drawing says its guards need a run", () => {
    const actor = createActor(approval.toStatechart());
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    actor.send({ type: "StartEvent" });
    expect(String((errors[0] as Error)?.message)).toMatch(/a drawing of "human-approval".*needs a run's context/s);
  });
});

/** Whether workflows that name no shape compile to the statechart shape here (the compact vitest projects swap it). */
const statechartShape = (rag.toMachine().config as Node).states?.running?.type === "parallel";

/** A run, with the values its workflow actor had, one per change (none in the compact shape). */
async function observed<H extends WorkflowHandler<unknown, any>>(
  start: (inspect: (event: InspectionEvent) => void) => H,
) {
  const values: string[] = [];
  const handler = start((event) => {
    if (event.type !== "@xstate.snapshot" || event.actorRef.sessionId !== event.rootId) return;
    const value = JSON.stringify((event.snapshot as { value?: unknown }).value);
    if (value !== '"running"' && values.at(-1) !== value) values.push(value);
  });
  return { handler, values };
}

/** The timeline's values, one per change. */
function changes(values: readonly StatechartValue[]) {
  return values.map((v) => JSON.stringify(v)).filter((v, i, all) => all[i - 1] !== v);
}

async function ended({ handler, values }: { handler: WorkflowHandler<unknown, never>; values: string[] }) {
  await handler.catch(() => undefined);
  return { trace: traceRun(handler), values };
}

const runs: [name: string, wf: { definition: never }, run: () => Promise<{ trace: TraceEntry[]; values: string[] }>][] =
  [
    [
      "rag",
      rag as never,
      async () =>
        ended(
          await observed((inspect) =>
            rag.run({ query: "What is BM25?" }, { resources: { index: buildIndex() }, inspect }),
          ),
        ),
    ],
    [
      "parallel-search",
      parallelSearch as never,
      async () =>
        ended(
          await observed((inspect) =>
            parallelSearch.run({ query: "statecharts" }, { resources: { index: buildIndex() }, inspect }),
          ),
        ),
    ],
    [
      "state",
      visitCounter as never,
      async () =>
        ended(await observed((inspect) => visitCounter.run({ visitors: ["ada", "alan", "ada"] }, { inspect }))),
    ],
    [
      "human-approval (one revision)",
      approval as never,
      async () => {
        const run = await observed((inspect) => approval.run({ topic: "tea" }, { inspect }));
        const answers = ["shorter please", "yes"];
        for await (const ev of run.handler.streamEvents())
          if (ev.type === "InputRequiredEvent")
            run.handler.sendEvent(HumanResponseEvent({ response: answers.shift() ?? "yes" }));
        return ended(run);
      },
    ],
  ];

describe("statechartTimeline(wf, trace): what the machine did in a run, from what happened", () => {
  it.each(runs)(
    "%s: a step's region is running from its start to its end, and the run ends completed",
    async (_, wf, run) => {
      const { trace } = await run();
      const timeline = statechartTimeline(wf, trace);
      expect(timeline[0]?.event).toBe("xstate.init");
      expect(timeline.at(-1)?.value).toBe("completed");
      for (const moment of timeline) {
        for (const entry of trace.slice(moment.at, moment.at + moment.entries)) {
          if (entry.kind !== "step.started") continue;
          const value = moment.value as { running: Record<string, string> };
          expect(value.running[entry.step], `${entry.step} in ${JSON.stringify(moment)}`).toBe("running");
        }
      }
    },
  );

  it.each(runs)("%s: has the values the workflow actor had, in order (statechart shape)", async (_, wf, run) => {
    const { trace, values } = await run();
    // The compact shape's actor stays "running"; its trace reads as the statechart shape's would.
    if (!statechartShape) return;
    expect(values.length).toBeGreaterThan(2);
    expect(changes(statechartTimeline(wf, trace).map((m) => m.value))).toEqual(values);
  });

  it("never shows a step running that a targeted sendEvent passed over", async () => {
    // Both searches accept Search; dispatch sends it to searchDocs only. Replaying the trace's
    // event types on a drawing showed searchFaq running too, although it never ran.
    const Search = defineEvent("Search", { q: z.string() });
    const targeted = workflow({ name: "targeted" })
      .step("dispatch", { accepts: StartEvent, emits: [Search] }, async (ctx) => {
        ctx.sendEvent(Search({ q: "statecharts" }), { step: "searchDocs" });
      })
      .step("searchDocs", { accepts: Search, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.q }))
      .step("searchFaq", { accepts: Search, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.q }));
    const { trace, values } = await ended(await observed((inspect) => targeted.run({}, { inspect })));
    expect(trace.filter((e) => e.kind === "step.started").map((e) => (e as { step: string }).step)).toEqual([
      "dispatch",
      "searchDocs",
    ]);
    const timeline = statechartTimeline(targeted, trace);
    const regions = timeline.flatMap((m) => (typeof m.value === "string" ? [] : [m.value.running]));
    expect(regions.some((r) => r.searchDocs === "running")).toBe(true);
    expect(regions.filter((r) => r.searchFaq !== "idle")).toEqual([]);
    if (statechartShape) expect(changes(timeline.map((m) => m.value))).toEqual(values);
  });

  it("reads a resumed run's trace: an invocation that ends without a start in it was in flight from the start", () => {
    const trace: TraceEntry[] = [
      { kind: "run.resumed", workflow: "human-approval", runId: "r" },
      { kind: "step.finished", step: "review", invocation: 1, output: "Revise" },
      { kind: "event", type: "Revise", source: { step: "review", invocation: 1 }, event: { type: "Revise" } as never },
      { kind: "step.started", step: "draft", invocation: 2, event: "Revise", attempt: 1 },
    ];
    expect(statechartTimeline(approval, trace)).toEqual([
      {
        event: "xstate.init",
        at: 0,
        entries: 1,
        value: { running: { draft: "idle", review: "running", human: "idle" } },
      },
      { event: "Revise", at: 1, entries: 3, value: { running: { draft: "running", review: "idle", human: "idle" } } },
    ]);
  });

  it("shows human waiting while a step waits for an answer, and a failed run as failed", async () => {
    const asker = workflow({ name: "asker" }).step(
      "ask",
      { accepts: StartEvent, emits: [InputRequiredEvent, StopEvent], awaits: [HumanResponseEvent] },
      async (ctx) => {
        const answer = await ctx.waitForEvent(HumanResponseEvent, { prompt: InputRequiredEvent({ prefix: "?" }) });
        if (answer.response === "no") throw new Error("refused");
        return StopEvent({ result: answer.response });
      },
    );
    for (const response of ["yes", "no"]) {
      const run = await observed((inspect) => asker.run({}, { inspect }));
      for await (const ev of run.handler.streamEvents())
        if (ev.type === "InputRequiredEvent") run.handler.sendEvent(HumanResponseEvent({ response }));
      const { trace, values } = await ended(run);
      const timeline = statechartTimeline(asker, trace);
      expect(timeline.map((m) => m.value)).toContainEqual({ running: { ask: "running", human: "waiting" } });
      expect(timeline.at(-1)?.value).toBe(response === "yes" ? "completed" : "failed");
      if (statechartShape) expect(changes(timeline.map((m) => m.value))).toEqual(values);
    }
  });
});
