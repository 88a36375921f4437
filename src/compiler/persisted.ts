import type { WorkflowDefinition } from "../definition/types.js";
import { RUN_CLOCK } from "../execution/clock.js";
import { stepActorId } from "../execution/step-actor.js";
import type { RunContext } from "../kernel/context.js";

/** XState's persisted form of one child actor. */
interface PersistedChild {
  readonly snapshot: { readonly status: "active"; readonly input: unknown };
  readonly src: string;
  readonly syncSnapshot: false;
}

/**
 * The child actors a persisted snapshot of the statechart shape has, rebuilt from its context:
 * one promise actor per in-flight invocation and the run clock while it runs. stepchart's own
 * snapshots keep no children (the context says everything), so a resumed run is restored exactly
 * as XState restores one of its own snapshots, and nothing a snapshot says about its children
 * can start anything the context does not account for. The compact shape has none.
 */
export function persistedChildren(def: WorkflowDefinition, context: RunContext): Record<string, PersistedChild> {
  const children: Record<string, PersistedChild> = {};
  if (def.shape === "compact") return children;
  if (def.timeout.run !== null && context.clock.deadline !== null) {
    const input = { deadline: context.clock.deadline };
    children[RUN_CLOCK] = { snapshot: { status: "active", input }, src: RUN_CLOCK, syncSnapshot: false };
  }
  for (const inv of context.inflight) {
    const input = { id: inv.id };
    children[stepActorId(inv.step, inv.id)] = {
      snapshot: { status: "active", input },
      src: inv.step,
      syncSnapshot: false,
    };
  }
  return children;
}
