/**
 * The stepchart side: a 10-step chain and a Job/JobDone fan-out, built with the public builder API,
 * once per machine shape (`shape: "statechart"`, the default, and `"compact"`). It measures the built package (`dist/`, what `npm install stepchart` gives), not the TypeScript
 * sources through tsx, whose keep-names helper adds a property to every closure and distorts both
 * time and heap. `npm run bench` builds first.
 */
import { z } from "zod";
import type * as Stepchart from "../../src/index.js";

const built = "../../dist/index.js";
const { defineEvent, StartEvent, StopEvent, startEvent, stopEvent, workflow } = (await import(
  built
)) as typeof Stepchart;

import { check, fanoutSum, stepHook, type Workload } from "../lib/measure.js";

const Begin = startEvent({ v: z.number() });
const End = stopEvent(z.number());
const v = { v: z.number() };
const E1 = defineEvent("E1", v);
const E2 = defineEvent("E2", v);
const E3 = defineEvent("E3", v);
const E4 = defineEvent("E4", v);
const E5 = defineEvent("E5", v);
const E6 = defineEvent("E6", v);
const E7 = defineEvent("E7", v);
const E8 = defineEvent("E8", v);
const E9 = defineEvent("E9", v);

/** A step body that adds 1 to `v` and emits it as the next event. */
const bump =
  <T>(next: (fields: { v: number }) => T) =>
  async (_ctx: unknown, ev: { v: number }): Promise<T> => {
    stepHook.fn();
    return next({ v: ev.v + 1 });
  };

/** The machine shapes a workflow compiles to (the `shape` option of `workflow()` and `toMachine()`). */
export type Shape = "statechart" | "compact";

/**
 * `{ shape }` for the workflow options, typed as nothing so this file type-checks against a build
 * without the option (it is being added to src/ alongside this bench). Without a shape: the default.
 */
const shapeOption = (shape: Shape | undefined): object => (shape ? { shape } : {});

/** s0 -> s1 -> ... -> s9: each step adds 1 to `v`; the last stops with it. */
const chainFlow = (shape?: Shape) =>
  workflow({ name: "chain10", start: Begin, stop: End, ...shapeOption(shape) })
    .step("s0", { accepts: Begin, emits: [E1] }, bump(E1))
    .step("s1", { accepts: E1, emits: [E2] }, bump(E2))
    .step("s2", { accepts: E2, emits: [E3] }, bump(E3))
    .step("s3", { accepts: E3, emits: [E4] }, bump(E4))
    .step("s4", { accepts: E4, emits: [E5] }, bump(E5))
    .step("s5", { accepts: E5, emits: [E6] }, bump(E6))
    .step("s6", { accepts: E6, emits: [E7] }, bump(E7))
    .step("s7", { accepts: E7, emits: [E8] }, bump(E8))
    .step("s8", { accepts: E8, emits: [E9] }, bump(E9))
    .step("s9", { accepts: E9, emits: [End] }, async (_c, ev) => {
      stepHook.fn();
      return End({ result: ev.v + 1 });
    });

/** The chain with the default shape (used by the checkpoint section). */
export const chain10 = chainFlow();

const Job = defineEvent("Job", { i: z.number() });
const JobDone = defineEvent("JobDone", { i: z.number() });

/** start sends `n` Jobs; 4 workers answer each with JobDone; gather collects all `n` and stops with the sum. */
function fanoutFlow(n: number, shape: Shape) {
  return workflow({ name: `fanout${n}`, timeout: null, ...shapeOption(shape) })
    .step("start", { accepts: StartEvent, emits: [Job] }, async (ctx) => {
      for (let i = 0; i < n; i++) ctx.sendEvent(Job({ i }));
      return null;
    })
    .step("work", { accepts: Job, emits: [JobDone], numWorkers: 4 }, async (_c, ev) => JobDone({ i: ev.i }))
    .step("gather", { accepts: JobDone, emits: [StopEvent] }, async (ctx, ev) => {
      const all = ctx.collectEvents(ev, { JobDone: n });
      if (!all) return null;
      let sum = 0;
      for (const e of all) sum += e.i;
      return StopEvent({ result: sum });
    });
}

/** The stepchart workload for one machine shape, shown as "stepchart (shape)". */
function stepchartWorkload(shape: Shape): Workload {
  const chain = chainFlow(shape);
  const fanouts = new Map<number, ReturnType<typeof fanoutFlow>>();
  return {
    name: `stepchart (${shape})`,
    async chain() {
      check(`stepchart (${shape}) chain`, await chain.run({ v: 0 }), 10);
    },
    async fanout(n) {
      const wf = fanouts.get(n) ?? fanoutFlow(n, shape);
      fanouts.set(n, wf);
      check(`stepchart (${shape}) fan-out ${n}`, await wf.run(), fanoutSum(n));
    },
  };
}

export const stepchart = stepchartWorkload("statechart");
export const stepchartCompact = stepchartWorkload("compact");
