/** A step that never finishes, for the CLI's tests: detached mid-step, its run lists as interrupted. */
import { z } from "zod";
import { StopEvent, startEvent, workflow } from "../../../src/index.js";

const Job = startEvent({ n: z.number() });

export const slow = workflow({ name: "slow", start: Job }).step(
  "work",
  { accepts: Job, emits: [StopEvent] },
  () => new Promise<never>(() => {}),
);
