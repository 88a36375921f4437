import { z } from "zod/v4";
import type { WorkflowDefinition } from "../definition/types.js";
import type { AnyEventDef } from "../events/types.js";

/** A zod schema as JSON Schema; what JSON Schema cannot say (a transform, a date) is left open. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { unrepresentable: "any" }) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** An event definition's JSON Schema, titled with its type (the API's events have a title). */
function eventSchema(def: AnyEventDef): Record<string, unknown> {
  return { title: def.type, ...jsonSchema(def.schema) };
}

/** `GET /workflows/{name}/schema`: the start and stop events' JSON Schemas. */
export function startStopSchemas(def: WorkflowDefinition): { start: unknown; stop: unknown } {
  return { start: eventSchema(def.start), stop: eventSchema(def.stop) };
}

/** Every event definition a workflow names, once each, in the order they are first named. */
function eventDefs(def: WorkflowDefinition): AnyEventDef[] {
  const seen = new Map<string, AnyEventDef>();
  const note = (d: AnyEventDef) => {
    if (!seen.has(d.type)) seen.set(d.type, d);
  };
  note(def.start);
  for (const step of def.steps) for (const d of [...step.accepts, ...step.emits, ...step.awaits]) note(d);
  for (const d of def.external) note(d);
  note(def.stop);
  return [...seen.values()];
}

/** `GET /workflows/{name}/events`: the JSON Schema of every event type the workflow names. */
export function eventSchemas(def: WorkflowDefinition): { events: Record<string, unknown>[] } {
  return { events: eventDefs(def).map(eventSchema) };
}

interface GraphNode {
  readonly id: string;
  readonly label: string;
  readonly node_type: "step" | "event";
}

/**
 * `GET /workflows/{name}/representation`: the workflow as a graph of step and event nodes, an
 * edge from each event to the steps that accept (or await) it and from each step to the events it
 * emits, the shape the LlamaIndex server draws.
 */
export function representation(def: WorkflowDefinition): {
  graph: { nodes: GraphNode[]; edges: { source: string; target: string }[] };
} {
  const nodes: GraphNode[] = eventDefs(def).map((d) => ({ id: `event:${d.type}`, label: d.type, node_type: "event" }));
  const edges: { source: string; target: string }[] = [];
  for (const step of def.steps) {
    const id = `step:${step.name}`;
    nodes.push({ id, label: step.name, node_type: "step" });
    for (const d of [...step.accepts, ...step.awaits]) edges.push({ source: `event:${d.type}`, target: id });
    for (const d of step.emits) edges.push({ source: id, target: `event:${d.type}` });
  }
  return { graph: { nodes, edges } };
}
