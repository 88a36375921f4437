import { z } from "zod/v4";
import type { AnyEventDef } from "../events/types.js";
import type { WorkflowDefinition } from "./types.js";

/**
 * A stable fingerprint of everything that decides how a run's snapshot is interpreted: step
 * names and their accepts/emits/awaits, workers, and every event schema. Snapshots carry it, so a
 * snapshot of a changed workflow is refused instead of misread.
 */
export function definitionHash(def: WorkflowDefinition): string {
  const schemas: Record<string, unknown> = {};
  const note = (d: AnyEventDef) => {
    if (!(d.type in schemas)) schemas[d.type] = schemaFingerprint(d);
  };
  note(def.start);
  note(def.stop);
  const steps = def.steps.map((s) => {
    for (const d of [...s.accepts, ...s.emits, ...s.awaits]) note(d);
    return {
      name: s.name,
      accepts: s.accepts.map((d) => d.type),
      emits: s.emits.map((d) => d.type),
      awaits: s.awaits.map((d) => d.type),
      numWorkers: s.numWorkers,
    };
  });
  const state = def.state ? safeJsonSchema(def.state) : null;
  // The shape too: a snapshot of one machine cannot be restored into the other. The compact shape
  // is the machine of earlier versions, whose snapshots keep their fingerprint.
  const shape = def.shape === "compact" ? {} : { shape: def.shape };
  const canonical = JSON.stringify({ name: def.name, ...shape, steps, schemas: sortKeys(schemas), state });
  return hashText(canonical);
}

function schemaFingerprint(def: AnyEventDef): unknown {
  return safeJsonSchema(def.schema);
}

function safeJsonSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { unrepresentable: "any" });
  } catch {
    return "unrepresentable";
  }
}

function sortKeys(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, obj[k]]),
  );
}

/** Two seeded 53-bit cyrb53 hashes as hex: fast, dependency-free, and plenty for change detection. */
function hashText(text: string): string {
  return cyrb53(text, 0).toString(16).padStart(14, "0") + cyrb53(text, 0x9e3779b9).toString(16).padStart(14, "0");
}

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
