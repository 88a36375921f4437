import type { WorkflowDefinition } from "../definition/types.js";
import { HumanResponseEvent, InputRequiredEvent, StopEvent } from "../events/built-ins.js";
import type { AnyEventDef } from "../events/types.js";
import type { Topology } from "../kernel/draft.js";

/** The routing tables of a definition, computed once per compile. */
export interface CompiledTopology extends Topology {
  /** Every event definition the workflow knows, by type (start/stop are the workflow's own). */
  readonly eventDefs: ReadonlyMap<string, AnyEventDef>;
  /** Step name → the event types it accepts. */
  readonly accepts: ReadonlyMap<string, ReadonlySet<string>>;
  /** Event types that may come from outside the run (HumanResponseEvent, accepted, awaited, external). */
  readonly external: ReadonlySet<string>;
  /** Event types a step may wait for: HumanResponseEvent and every declared `awaits`. */
  readonly awaited: ReadonlySet<string>;
  /** Event types the machine routes (has an `on` transition for). */
  readonly routed: ReadonlySet<string>;
}

export function buildTopology(def: WorkflowDefinition): CompiledTopology {
  const eventDefs = new Map<string, AnyEventDef>([
    [InputRequiredEvent.type, InputRequiredEvent],
    [HumanResponseEvent.type, HumanResponseEvent],
    [StopEvent.type, def.stop],
  ]);
  const acceptors = new Map<string, string[]>();
  const accepts = new Map<string, Set<string>>();
  const workers = new Map<string, number>();
  const external = new Set<string>([HumanResponseEvent.type, ...def.external.map((d) => d.type)]);
  const awaited = new Set<string>([HumanResponseEvent.type]);
  for (const d of def.external) eventDefs.set(d.type, d);
  for (const step of def.steps) {
    workers.set(step.name, step.numWorkers);
    accepts.set(step.name, new Set(step.accepts.map((d) => d.type)));
    for (const d of [...step.accepts, ...step.emits, ...step.awaits])
      if (!eventDefs.has(d.type)) eventDefs.set(d.type, d);
    for (const d of step.accepts) {
      acceptors.set(d.type, [...(acceptors.get(d.type) ?? []), step.name]);
      external.add(d.type);
    }
    for (const d of step.awaits) {
      external.add(d.type);
      awaited.add(d.type);
    }
  }
  eventDefs.set("StartEvent", def.start);
  // A run starts once, from `run(input)`: a StartEvent from outside would start it again.
  external.delete("StartEvent");
  const routed = new Set<string>([...acceptors.keys(), ...external, InputRequiredEvent.type, "StartEvent"]);
  routed.delete(StopEvent.type);
  return {
    eventDefs,
    accepts,
    external,
    awaited,
    routed,
    acceptors: (type) => acceptors.get(type) ?? [],
    workers: (step) => workers.get(step) ?? 1,
  };
}
