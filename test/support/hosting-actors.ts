/**
 * Test-only stand-in for src/compiler/hosting.ts (swapped in by the `step-actors` vitest project):
 * every run hosts its invocations as spawned actors, so the behaviour suites also pin that both
 * hostings behave the same.
 */
import type { AnyActorRef } from "xstate";
import { hostingOf as chooseHosting, type RunHosting, type StepActorsMode } from "../../src/execution/hosting.js";

export * from "../../src/execution/hosting.js";

export function hostingOf(self: AnyActorRef, mode: StepActorsMode): RunHosting {
  return chooseHosting(self, mode === "never" ? "never" : "always");
}
