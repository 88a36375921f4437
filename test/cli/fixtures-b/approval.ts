/** A workflow that asks a person, for the CLI's tests (runs send, serve). */
import { z } from "zod";
import { HumanResponseEvent, InputRequiredEvent, StopEvent, startEvent, workflow } from "../../../src/index.js";

const Topic = startEvent({ topic: z.string() });

export const approval = workflow({ name: "approval", start: Topic })
  .step("ask", { accepts: Topic, emits: [InputRequiredEvent] }, async (_ctx, ev) =>
    InputRequiredEvent({ prefix: `publish the ${ev.topic} post?`, payload: { topic: ev.topic } }),
  )
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response === "yes" ? "published" : "held back" }),
  );
