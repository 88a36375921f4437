/**
 * Context state sharing: steps read and write run state with `ctx.get`, `ctx.set` and `ctx.update`,
 * typed and validated by the workflow's `state` zod schema (its `.default()`s are the initial values).
 *
 *   StartEvent {visitors} ──greet──▶ Visit ×N ──visit (4 workers)──▶ Visited ×N ──tally──▶ StopEvent
 *
 * `greet` fans out one Visit per visitor; four `visit` workers run at once and each counts itself
 * with `ctx.update`, an atomic read-modify-write, so no increment is lost; `tally` runs once per
 * Visited and waits for all of them with `ctx.collectEvents` (count form): every call but the last
 * returns nothing, and the last reads the totals.
 *
 * Run: npx tsx examples/state.ts
 */
import { z } from "zod";
import { defineEvent, startEvent, stopEvent, workflow } from "../src/index.js";
import { isMain, type MainOptions, printSteps, sleep } from "./util.js";

export const Visitors = startEvent({ visitors: z.array(z.string()).min(1) });
export const Visit = defineEvent("Visit", { who: z.string() });
export const Visited = defineEvent("Visited", { who: z.string() });
export const Tally = stopEvent(
  z.object({
    visits: z.number(),
    expected: z.number(),
    log: z.array(z.string()),
    steps: z.number(),
    peakConcurrency: z.number(),
  }),
);

/** The run's typed state: unknown keys and wrongly typed values are rejected. */
export const VisitState = z.object({
  expected: z.number().default(0),
  visits: z.number().default(0),
  log: z.array(z.string()).default([]),
  stepsRun: z.number().default(0),
  active: z.number().default(0),
  peakActive: z.number().default(0),
});

export const visitCounter = workflow({ name: "state", start: Visitors, stop: Tally, state: VisitState })
  .step("greet", { accepts: Visitors, emits: [Visit] }, async (ctx, ev) => {
    ctx.set("expected", ev.visitors.length);
    ctx.update("stepsRun", (n) => (n ?? 0) + 1);
    for (const who of ev.visitors) ctx.sendEvent(Visit({ who }));
  })
  .step("visit", { accepts: Visit, emits: [Visited], numWorkers: 4 }, async (ctx, ev) => {
    const active = ctx.update("active", (n) => (n ?? 0) + 1);
    ctx.update("peakActive", (peak) => Math.max(peak ?? 0, active));
    await sleep(5 + (ev.who.length % 3) * 5, ctx.signal); // concurrent workers interleave here
    ctx.update("active", (n) => (n ?? 1) - 1);
    ctx.update("visits", (n) => (n ?? 0) + 1);
    ctx.update("log", (log = []) => [...log, ev.who]);
    ctx.update("stepsRun", (n) => (n ?? 0) + 1);
    return Visited({ who: ev.who });
  })
  .step("tally", { accepts: Visited, emits: [Tally] }, async (ctx, ev) => {
    // Counted before the fan-in check: tally runs once per Visited, and returns nothing until the last.
    const stepsRun = ctx.update("stepsRun", (n) => (n ?? 0) + 1);
    const all = ctx.collectEvents(ev, { Visited: ctx.get("expected") });
    if (!all) return; // not everyone has arrived yet
    return Tally({
      result: {
        visits: ctx.get("visits"),
        expected: ctx.get("expected"),
        log: ctx.get("log"),
        steps: stepsRun,
        peakConcurrency: ctx.get("peakActive"),
      },
    });
  });

export async function main(options: MainOptions & { visitors?: string[] } = {}) {
  const visitors = options.visitors ?? ["ada", "grace", "alan", "barbara", "edsger", "margaret"];
  console.log(`Visitors: ${visitors.join(", ")} (visit runs 4 at a time; ctx.update keeps the count exact)`);
  const handler = visitCounter.run({ visitors });
  const traced = options.trace ? printSteps(handler) : undefined;
  const tally = await handler;
  await traced;
  console.log(
    `visits = ${tally.visits} of ${tally.expected} (arrival order: ${tally.log.join(", ")}; ` +
      `at most ${tally.peakConcurrency} at once); ` +
      `step invocations counted in state: ${tally.steps} ` +
      `(1 greet + ${tally.expected} visit + ${tally.expected} tally: tally runs on each Visited)`,
  );
}

if (isMain(import.meta.url)) await main();
