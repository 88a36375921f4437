/**
 * (f) A long loop of instant steps (no real I/O), as a tight agent loop or a CPU-bound pipeline
 * makes: the time per step, and how long a 1 ms timer waits meanwhile. Invocations start on
 * microtasks, so without yielding such a loop would starve every timer of the process; the
 * runtime yields to the event loop after ~4 ms of starts (issue 10, item 7). Measures `dist/`.
 */
import { z } from "zod";
import type * as Stepchart from "../../src/index.js";

const built = "../../dist/index.js";
const { defineEvent, StartEvent, StopEvent, workflow } = (await import(built)) as typeof Stepchart;

import { check } from "../lib/measure.js";

const Again = defineEvent("Again", { n: z.number() });

function loop(steps: number) {
  return workflow({ name: "instant-loop", timeout: null }).step(
    "loop",
    { accepts: [StartEvent, Again], emits: [Again, StopEvent] },
    async (_ctx, ev) => {
      const n = ev.type === "Again" ? ev.n + 1 : 1;
      return n < steps ? Again({ n }) : StopEvent({ result: n });
    },
  );
}

/** µs per step of one `steps`-step run, and the longest a 1 ms timer waited while it ran. */
export async function instantLoop(steps: number): Promise<{ usPerStep: number; maxTimerLagMs: number; ticks: number }> {
  const wf = loop(steps);
  check("instant loop warm-up", await wf.run(), steps);
  // What earlier sections left on the heap is collected first: a full collection of it in the
  // middle of the loop would be counted as a starved timer, and it is no doing of the loop's.
  (globalThis as { gc?: () => void }).gc?.();
  let maxLag = 0;
  let ticks = 0;
  let due = performance.now() + 1;
  let running = true;
  const tick = () => {
    const now = performance.now();
    maxLag = Math.max(maxLag, now - due);
    ticks++;
    due = now + 1;
    if (running) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  const t = performance.now();
  check("instant loop", await wf.run(), steps);
  const ms = performance.now() - t;
  running = false;
  return { usPerStep: (ms * 1000) / steps, maxTimerLagMs: maxLag, ticks };
}
