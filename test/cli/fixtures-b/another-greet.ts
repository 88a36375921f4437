/** A second workflow named "greet", for the CLI's tests: a server cannot serve both. */
import { z } from "zod";
import { StopEvent, startEvent, workflow } from "../../../src/index.js";

const Name = startEvent({ name: z.string() });

export const greetAgain = workflow({ name: "greet", start: Name }).step(
  "again",
  { accepts: Name, emits: [StopEvent] },
  async (_ctx, ev) => StopEvent({ result: `hello again ${ev.name}` }),
);
