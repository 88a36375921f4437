/**
 * The dev page's fixture: two steps and a prompt, and a start event with a field of each kind the
 * start form generates (text, number, enum, boolean). `draft` waits for `ctx.resources.hold()` when
 * a test passes one, so the test sees the step running for as long as it wants, without sleeps.
 */
import { z } from "zod";
import { HumanResponseEvent, InputRequiredEvent, StopEvent, startEvent, workflow } from "../../../src/index.js";

export const Brief = startEvent({
  title: z.string().min(1),
  words: z.number().int().min(1),
  tone: z.enum(["plain", "upbeat"]),
  urgent: z.boolean(),
});

export const review = workflow({ name: "review", start: Brief })
  .step("draft", { accepts: Brief, emits: [InputRequiredEvent] }, async (ctx, ev) => {
    const hold = ctx.resources.hold as (() => Promise<void>) | undefined;
    await hold?.();
    const draft = `${ev.urgent ? "URGENT: " : ""}${ev.title} (${ev.tone}, ${ev.words} words)`;
    ctx.set("draft", draft);
    return InputRequiredEvent({ prefix: "Publish this draft?", payload: { draft } });
  })
  .step("publish", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx, ev) =>
    StopEvent({ result: { published: ev.response === "yes", draft: ctx.get("draft") } }),
  );
