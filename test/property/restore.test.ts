/**
 * The same random graphs, killed at random points and resumed (once to three times a run, each
 * incarnation hosted inline or with step actors): from `handler.snapshot()` taken at a random
 * transition, or, for durable runs, from a MemoryStore after `handler.detach()` at a random body
 * point, with prompts answered through the store's inbox while no process runs the run. The run
 * still agrees with the reference, bodies in flight re-run, and no `ctx.run` effect, stream item
 * or state change is applied twice.
 */
import { describe, it } from "vitest";
import { planArbitrary } from "./arbitraries.js";
import { checkPlan } from "./check.js";
import { assertProperty, runsFor, timeoutFor } from "./config.js";

const runs = runsFor(0.4);

describe("random workflow graphs survive random snapshot/restore points", () => {
  it(
    `killed at a random point and resumed (snapshot or store): same outcome as without a crash (${runs} cases)`,
    () => assertProperty(planArbitrary({ restores: true, longLoops: false, maxSteps: 12 }), checkPlan, runs),
    timeoutFor(runs),
  );
});
