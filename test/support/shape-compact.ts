/**
 * Test-only stand-in for src/definition/shape.ts (swapped in by the `compact` vitest projects):
 * workflows that name no shape compile to the compact shape, so the behaviour suites hold both
 * shapes to the same tests.
 */
export type { MachineShape } from "../../src/definition/shape.js";

import type { MachineShape } from "../../src/definition/shape.js";

export const DEFAULT_SHAPE: MachineShape = "compact";
