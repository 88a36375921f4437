/** Two workflows in one file, for the CLI's tests (draw --workflow, serve of several files). */
import { z } from "zod";
import { defineEvent, StopEvent, startEvent, workflow } from "../../../src/index.js";

const Name = startEvent({ name: z.string() });
const Greeted = defineEvent("Greeted", { text: z.string() });

export const greet = workflow({ name: "greet", start: Name })
  .step("greet", { accepts: Name, emits: [Greeted] }, async (_ctx, ev) => Greeted({ text: `hello ${ev.name}` }))
  .step("finish", { accepts: Greeted, emits: [StopEvent] }, async (_ctx, ev) => StopEvent({ result: ev.text }));

export const shout = workflow({ name: "shout", start: Name }).step(
  "shout",
  { accepts: Name, emits: [StopEvent] },
  async (_ctx, ev) => {
    if (ev.name === "") throw new Error("nobody to shout at");
    return StopEvent({ result: ev.name.toUpperCase() });
  },
);
