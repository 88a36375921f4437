/**
 * Run data written to attack the dev page: markup in a prompt's prefix and payload, in the result,
 * and a stream item whose type is a name every plain object has (`constructor`).
 */
import { z } from "zod";
import {
  defineEvent,
  HumanResponseEvent,
  InputRequiredEvent,
  StopEvent,
  startEvent,
  workflow,
} from "../../../src/index.js";

export const MARKUP = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;

const Start = startEvent({ text: z.string().default(MARKUP) });
/** Typed like Object.prototype.constructor: a lookup on a plain object finds a function for it. */
const Inherited = defineEvent("constructor", { note: z.string() });

export const hostile = workflow({ name: "hostile", start: Start })
  .step("ask", { accepts: Start, emits: [InputRequiredEvent] }, async (ctx, ev) => {
    ctx.writeEventToStream(Inherited({ note: "a stream item, not the end of the run" }));
    return InputRequiredEvent({ prefix: ev.text, payload: { html: ev.text } });
  })
  .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (_ctx, ev) =>
    StopEvent({ result: ev.response }),
  );
