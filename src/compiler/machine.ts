import type { WorkflowDefinition } from "../definition/types.js";
import { compileCompact } from "./compact.js";
import type { CompileScope, ToMachineOptions } from "./scope.js";
import { compileStatechart } from "./statechart.js";
import { buildTopology } from "./topology.js";

export type { ToMachineOptions } from "./scope.js";

/**
 * Compiles a definition into a plain XState v5 machine of its shape (see {@link MachineShape}):
 * scheduling, queues, collect buffers, waiters and user state in context, each step's invocation
 * logic registered under the step's name.
 */
export function compileMachine(def: WorkflowDefinition, options: ToMachineOptions = {}) {
  const topology = buildTopology(def);
  const scope: CompileScope = {
    def,
    options,
    topology,
    env: {
      resources: { ...def.resources, ...(options.resources ?? {}) },
      stateSchema: def.state,
      eventDefs: topology.eventDefs,
      accepts: topology.accepts,
    },
    machineId: def.name.replace(/[^\w-]/g, "_"),
  };
  const shape = options.shape ?? def.shape;
  const machine = shape === "compact" ? compileCompact(scope) : compileStatechart(scope);
  return { machine, topology };
}
