/**
 * Random workflow graphs under random schedules, checked against the reference interpreter:
 * result, invocation counts, stream, final state and `ctx.run` effects.
 */
import { describe, it } from "vitest";
import { planArbitrary } from "./arbitraries.js";
import { checkPlan } from "./check.js";
import { assertProperty, runsFor, timeoutFor } from "./config.js";

const runs = runsFor(0.6);

describe("random workflow graphs agree with the reference interpreter", () => {
  it(
    `chains, loops, fan-outs, collects, prompts, waits, retries, both hostings (${runs} cases)`,
    () => assertProperty(planArbitrary({ restores: false, longLoops: true, maxSteps: 12 }), checkPlan, runs),
    timeoutFor(runs),
  );
});
