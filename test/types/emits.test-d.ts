import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import {
  type AnyEvent,
  defineEvent,
  type EventOf,
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  startEvent,
  stopEvent,
  workflow,
} from "../../src/index.js";

const Query = startEvent({ query: z.string() });
const Retrieved = defineEvent("Retrieved", { query: z.string(), nodes: z.array(z.string()) });
const Scored = defineEvent("Scored", { score: z.number() });
const Empty = defineEvent("Empty", {});
const Answer = stopEvent(z.object({ text: z.string() }));

// Each @ts-expect-error sits on the line the error must be reported at: the `return` or
// `sendEvent` line, not the first line of the step function. (The messages themselves are pinned
// by emit-errors.test.ts.)
describe("an event outside a step's emits", () => {
  it("is reported at the return line of a block body", () => {
    workflow({ name: "w", start: Query, stop: Answer }).step(
      "retrieve",
      { accepts: Query, emits: [Retrieved] },
      async (_ctx, ev) => {
        if (ev.query === "") {
          // @ts-expect-error Scored is not in this step's emits
          return Scored({ score: 0 });
        }
        // @ts-expect-error Empty is not in this step's emits (a factory without fields)
        if (ev.query === "?") return Empty();
        return Retrieved({ query: ev.query, nodes: [] });
      },
    );
  });

  it("is reported at the expression of a concise body, and in a synchronous step", () => {
    workflow({ name: "w", start: Query, stop: Answer })
      // @ts-expect-error Scored is not in this step's emits
      .step("a", { accepts: Query, emits: [Answer] }, async () => Scored({ score: 1 }))
      .step("b", { accepts: Retrieved, emits: [Answer] }, (_ctx, ev) => {
        // @ts-expect-error Retrieved is not in this step's emits
        if (ev.nodes.length === 0) return Retrieved({ query: ev.query, nodes: ["again"] });
        return Answer({ result: { text: ev.nodes.join(" ") } });
      });
  });

  it("is reported at the sendEvent line, built there or earlier, or written as an object", () => {
    workflow({ name: "w", start: Query, stop: Answer }).step(
      "fan-out",
      { accepts: Query, emits: [Retrieved, InputRequiredEvent] },
      async (ctx) => {
        // @ts-expect-error Scored is not in this step's emits
        ctx.sendEvent(Scored({ score: 1 }));
        const scored = Scored({ score: 2 });
        // @ts-expect-error Scored is not in this step's emits
        ctx.sendEvent(scored, { step: "merge" });
        // @ts-expect-error Scored is not in this step's emits
        ctx.sendEvent({ type: "Scored", score: 3 });
        // @ts-expect-error an emitted type with wrong fields: checked against the emitted events
        ctx.sendEvent({ type: "Retrieved", query: 1, nodes: [] });
        return null;
      },
    );
  });

  it("leaves declared events, nothing, and non-step uses of the factories as they were", () => {
    const wf = workflow({ name: "w", start: Query, stop: Answer })
      .step("retrieve", { accepts: Query, emits: [Retrieved, Scored, InputRequiredEvent] }, async (ctx, ev) => {
        const built = Retrieved({ query: ev.query, nodes: [] });
        ctx.sendEvent(built);
        ctx.sendEvent(Scored({ score: 1 }), { step: "answer" });
        ctx.sendEvent({ type: "Scored", score: 2 });
        for (const each of [Scored({ score: 3 }), built]) ctx.sendEvent(each);
        if (ev.query === "ask") return InputRequiredEvent({ prefix: "more?" });
        if (ev.query === "") return;
        if (ev.query === " ") return null;
        return ev.query.length > 3 ? built : Scored({ score: 4 });
      })
      .step("answer", { accepts: [Retrieved, Scored], emits: [Answer] }, async (_ctx, ev) =>
        Answer({ result: { text: ev.type } }),
      )
      .step("human", { accepts: HumanResponseEvent, emits: [Answer] }, (_ctx, ev) =>
        Answer({ result: { text: ev.response } }),
      );
    expectTypeOf(Retrieved({ query: "q", nodes: [] })).toEqualTypeOf<EventOf<typeof Retrieved>>();
    const typed: EventOf<typeof Scored> = Scored({ score: 1 });
    const events: AnyEvent[] = [typed, Empty(), StopEvent({ result: 1 }), StartEvent({ any: "thing" })];
    expectTypeOf(Promise.resolve(Scored({ score: 1 }))).resolves.toEqualTypeOf<EventOf<typeof Scored>>();
    // @ts-expect-error another event where one is expected: a plain type error, as before
    const wrong: EventOf<typeof Scored> = Empty();
    wf.run({ query: "q" }).sendEvent(HumanResponseEvent({ response: "yes" }));
    expectTypeOf(events).toEqualTypeOf<AnyEvent[]>();
    expectTypeOf(wrong).toEqualTypeOf<EventOf<typeof Scored>>();
  });
});
