/**
 * The machine a workflow compiles to. `"statechart"` (the default): a parallel `running` state
 * with one region per step and a `human` region, every step invocation an XState promise actor,
 * every workflow event a machine event. `"compact"`: one `running` state, invocations run inside
 * the workflow actor; the same behaviour at a fraction of the cost per step, for hot loops.
 *
 * @example
 * ```ts
 * const loop = workflow({ name: "loop", shape: "compact" }); // a tight loop of cheap steps
 * ```
 */
export type MachineShape = "statechart" | "compact";

/** @internal The shape of a workflow that names none. */
export const DEFAULT_SHAPE: MachineShape = "statechart";
