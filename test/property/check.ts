/**
 * The property every generated plan must satisfy: the real run, whatever its schedule and crash
 * points, agrees with the reference interpreter.
 */
import { expect } from "vitest";
import { flatten } from "./flatten.js";
import { execute, START_INPUT } from "./harness.js";
import type { Plan } from "./plan.js";
import { interpret } from "./reference.js";

/** The run timeout of generated workflows: a case takes milliseconds, so a hang shows as a timeout. */
export const RUN_TIMEOUT = 3_000;

export async function checkPlan(plan: Plan): Promise<void> {
  const flat = flatten(plan);
  const { customWaits, ...expected } = interpret(flat, START_INPUT);
  // Only waits whose key does not depend on how a collect grouped its events can be answered early.
  const eager = plan.eager ? customWaits.filter((key) => !key.includes("c(")) : [];
  const run = await execute(flat, plan, RUN_TIMEOUT, eager);
  const { violations, duplicateEffects, incarnations: _, ...observed } = run;
  // When a run fails, attempts still in flight are aborted and their ctx no longer writes, and
  // answers held for waits it never reached are rejected: inline checks only hold for completed runs.
  if (expected.result.ok) expect(violations).toEqual([]);
  // Exactly once per completed attempt: no effect token twice, across every restore.
  expect(duplicateEffects).toEqual([]);
  if (!expected.result.ok) {
    // A run that fails aborts whatever else is in flight: only the failure itself is deterministic.
    expect(observed.result).toEqual(expected.result);
    return;
  }
  expect(observed).toEqual(expected);
}
