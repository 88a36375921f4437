/**
 * Random workflow graphs under random schedules, checked against the reference interpreter:
 * result, invocation counts, stream, final state and `ctx.run` effects.
 */
import fc from "fast-check";
import { describe, it } from "vitest";
import { planArbitrary } from "./arbitraries.js";
import { checkPlan } from "./check.js";
import { propertySeed, runsFor, timeoutFor } from "./config.js";

const runs = runsFor(0.6);

describe("random workflow graphs agree with the reference interpreter", () => {
  it(
    `chains, loops, fan-outs, collects, prompts, waits and retries (${runs} cases)`,
    async () => {
      const plans = planArbitrary({ restores: false, maxSteps: 12 });
      await fc.assert(fc.asyncProperty(plans, checkPlan), { seed: propertySeed, numRuns: runs });
    },
    timeoutFor(runs),
  );
});
