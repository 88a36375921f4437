/**
 * (e) Soak: one run that loops for a long time, as an agent loop does, with its handler held.
 * Live heap (after gc) is read at marks from inside the running loop, so it includes everything
 * the run holds at that moment: machine context, the handler's record (its retention window), the
 * trace. A flat column means nothing grows per step. Not timed. Measures the built package.
 */
import { z } from "zod";
import type * as Stepchart from "../../src/index.js";

const built = "../../dist/index.js";
const { defineEvent, StartEvent, StopEvent, workflow } = (await import(built)) as typeof Stepchart;

import { check, heapAfterGc } from "../lib/measure.js";

const Again = defineEvent("Again", { n: z.number() });
const Note = defineEvent("Note", { n: z.number() });

/** `n` steps in one run; each also writes a Note to the stream when `writes` (nobody reads it). */
function loop(steps: number, writes: boolean, onStep: (n: number) => void) {
  return workflow({ name: "soak", timeout: null }).step(
    "loop",
    { accepts: [StartEvent, Again], emits: [Again, StopEvent] },
    async (ctx, ev) => {
      const n = ev.type === "Again" ? ev.n + 1 : 1;
      if (writes) ctx.writeEventToStream(Note({ n }));
      onStep(n);
      return n < steps ? Again({ n }) : StopEvent({ result: n });
    },
  );
}

/** Live heap of one long run at each mark. */
export interface SoakRow {
  readonly steps: number;
  /** heapUsed after gc, in bytes, minus the heap before the run started. */
  readonly bytes: number;
}

/**
 * Runs one loop of `marks.at(-1)` steps, with the default retention, and samples the heap at each
 * mark, after a warm-up run that compiles the code. A full collection runs every `GC_EVERY` steps
 * besides: the runtime keeps a WeakMap and WeakSets of events, and V8 grows their backing tables
 * to the most entries they hold between two full collections and keeps that size. Left to V8's
 * own cadence in a loop this tight, that plateau (a few MB, reached at some point and then
 * constant) lands between two marks at random and hides what this measures: what the run holds.
 */
export async function soak(marks: readonly number[], writes: boolean): Promise<SoakRow[]> {
  const last = marks.at(-1) as number;
  await loop(10_000, writes, () => {}).run({});
  const rows: SoakRow[] = [];
  const wanted = new Set(marks);
  const base = heapAfterGc();
  const handler = loop(last, writes, (n) => {
    if (wanted.has(n)) rows.push({ steps: n, bytes: heapAfterGc() - base });
    else if (n % GC_EVERY === 0) heapAfterGc();
  }).run({});
  check("soak", await handler, last);
  return rows;
}

const GC_EVERY = 10_000;
