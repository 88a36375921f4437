import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  defineEvent,
  type EventOf,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  type WorkflowHandler,
  workflow,
} from "../../src/index.js";

const Query = startEvent({ query: z.string(), topK: z.number().default(3) });
const Retrieved = defineEvent("Retrieved", { query: z.string(), nodes: z.array(z.string()) });
const Scored = defineEvent("Scored", { score: z.number() });
const Answer = stopEvent(z.object({ text: z.string() }));

describe("defineEvent", () => {
  it("types the factory input and the event object", () => {
    expectTypeOf<EventOf<typeof Retrieved>>().toEqualTypeOf<{ type: "Retrieved"; query: string; nodes: string[] }>();
    expectTypeOf(Retrieved({ query: "q", nodes: [] })).toEqualTypeOf<EventOf<typeof Retrieved>>();
    // @ts-expect-error a wrong field type
    Retrieved({ query: 1, nodes: [] });
    // @ts-expect-error a missing field
    Retrieved({ query: "q" });
    expectTypeOf(Query).parameter(0).toEqualTypeOf<{ query: string; topK?: number | undefined }>();
  });
});

describe("workflow builder", () => {
  const wf = workflow({ name: "typed", start: Query, stop: Answer, state: z.object({ count: z.number().default(0) }) })
    .step("retrieve", { accepts: Query, emits: [Retrieved] }, async (ctx, ev) => {
      expectTypeOf(ev).toEqualTypeOf<{ type: "StartEvent"; query: string; topK: number }>();
      expectTypeOf(ctx.get("count")).toEqualTypeOf<number>();
      // @ts-expect-error unknown state key
      ctx.get("nope");
      // @ts-expect-error wrong state value type
      ctx.set("count", "x");
      // @ts-expect-error sending an event the step does not emit
      ctx.sendEvent(Scored({ score: 1 }));
      ctx.sendEvent(Retrieved({ query: ev.query, nodes: [] }));
      return Retrieved({ query: ev.query, nodes: [] });
    })
    .step("score", { accepts: [Retrieved, Scored], emits: [Answer, InputRequiredEvent] }, async (ctx, ev) => {
      expectTypeOf(ev).toEqualTypeOf<EventOf<typeof Retrieved> | EventOf<typeof Scored>>();
      const pair = ctx.collectEvents(ev, [Retrieved, Scored]);
      expectTypeOf(pair).toEqualTypeOf<[EventOf<typeof Retrieved>, EventOf<typeof Scored>] | null>();
      const many = ctx.collectEvents(ev, { Scored: 3 });
      expectTypeOf(many).toEqualTypeOf<EventOf<typeof Scored>[] | null>();
      const reply = await ctx.waitForEvent(HumanResponseEvent);
      expectTypeOf(reply.response).toEqualTypeOf<string>();
      if (ev.type === "Scored") return Answer({ result: { text: String(ev.score) } });
      return null;
    })
    // @ts-expect-error returning an event not listed in emits
    .step("bad", { accepts: Scored, emits: [Answer] }, async () => Retrieved({ query: "", nodes: [] }));

  it("types run() input and result from the start and stop events", () => {
    const handler = wf.run({ query: "q" });
    expectTypeOf(handler).toEqualTypeOf<
      WorkflowHandler<{ text: string }, EventOf<typeof Retrieved> | EventOf<typeof Scored> | HumanResponseEvent>
    >();
    // @ts-expect-error input must match the start event
    wf.run({ query: 1 });
    // @ts-expect-error input is required for this start event
    wf.run();
  });

  it("refuses the built-in StartEvent or StopEvent where the workflow's start or stop is typed", () => {
    workflow({ name: "own", start: Query }).step("a", { accepts: Query, emits: [StopEvent] }, async (_ctx, ev) => {
      expectTypeOf(ev.query).toEqualTypeOf<string>();
      return StopEvent({ result: 1 });
    });
    // @ts-expect-error two definitions of StartEvent: validation refuses it at run time too
    workflow({ name: "alias", start: Query }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: 1 }),
    );
    const Done = stopEvent(z.object({ n: z.number() }));
    // @ts-expect-error two definitions of StopEvent
    workflow({ name: "alias-stop", stop: Done }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: 1 }),
    );
    workflow({ name: "own-stop", stop: Done }).step("a", { accepts: StartEvent, emits: [Done] }, async () =>
      Done({ result: { n: 1 } }),
    );
  });

  it("makes input optional for the loose StartEvent", () => {
    const loose = workflow({ name: "loose" }).step("a", { accepts: StartEvent, emits: [StopEvent] }, async () =>
      StopEvent({ result: 1 }),
    );
    expectTypeOf(loose.run).toBeCallableWith();
    expectTypeOf(loose.run()).toEqualTypeOf<WorkflowHandler<unknown, HumanResponseEvent>>();
  });
});
