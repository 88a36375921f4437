import type { AnyActorRef } from "xstate";
import { predicatesOf } from "../execution/bindings.js";
import type { StepActorsMode } from "../execution/hosting.js";
import { waiterMatch } from "../kernel/match.js";
import type { PlanScope } from "../kernel/plan.js";
import type { WaiterMatch } from "../kernel/waiters.js";
import type { CompileScope } from "./scope.js";

/** What the compact shape's actions share: the compile, its hosting mode and its plan scope. */
export interface CompactScope extends CompileScope {
  readonly mode: StepActorsMode;
  readonly planScope: PlanScope;
  /** How a run's waiters match events (predicates the run's steps registered in this process). */
  readonly matches: (self: AnyActorRef) => WaiterMatch;
}

export function compactScope(scope: CompileScope): CompactScope {
  const { def, topology, options } = scope;
  return {
    ...scope,
    mode: options.stepActor ? "always" : (options.stepActors ?? "auto"),
    planScope: {
      topology,
      external: topology.external,
      awaited: topology.awaited,
      pauseWhileWaiting: def.timeout.run !== null && !def.timeout.whileWaiting,
    },
    matches: (self) => waiterMatch(predicatesOf(self)),
  };
}
