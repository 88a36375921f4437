import { z } from "zod/v4";
import { WorkflowValidationError } from "../errors.js";
import type { AnyEvent, AnyEventDef } from "../events/types.js";

type JsonSchema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  minItems?: number;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
};

const formats: Record<string, string> = {
  email: "ada@example.com",
  uuid: "00000000-0000-4000-8000-000000000000",
  guid: "00000000-0000-4000-8000-000000000000",
  "date-time": "2026-01-01T00:00:00.000Z",
  date: "2026-01-01",
  time: "00:00:00",
  duration: "P1D",
  uri: "https://example.com/",
  url: "https://example.com/",
  ipv4: "127.0.0.1",
  ipv6: "::1",
  hostname: "example.com",
};

/**
 * A small valid value for a JSON schema: the default when there is one, the first enum or union
 * member, the least number in range, one item per required array slot, every required property.
 */
function sample(schema: JsonSchema, defs: Record<string, JsonSchema>): unknown {
  if (schema.$ref) return sample(defs[schema.$ref.replace(/^#\/\$defs\//, "")] ?? {}, defs);
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (schema.enum) return schema.enum[0];
  const union = schema.anyOf ?? schema.oneOf;
  if (union?.[0]) return sample(union[0], defs);
  if (schema.allOf) return Object.assign({}, ...schema.allOf.map((s) => sample(s, defs)));
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string": {
      if (schema.format && formats[schema.format]) return formats[schema.format];
      const text = "sample".padEnd(schema.minLength ?? 0, "x");
      return schema.maxLength !== undefined ? text.slice(0, schema.maxLength) : text;
    }
    case "integer":
    case "number": {
      const step = schema.multipleOf ?? 1;
      let n = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + step : 0);
      if (schema.maximum !== undefined && n > schema.maximum) n = schema.maximum;
      if (schema.exclusiveMaximum !== undefined && n >= schema.exclusiveMaximum) n = schema.exclusiveMaximum - step;
      return type === "integer" ? Math.ceil(n) : n;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    case "array": {
      const head = (schema.prefixItems ?? []).map((s) => sample(s, defs));
      const rest = Math.max(schema.minItems ?? 0, 1) - head.length;
      return [...head, ...Array.from({ length: Math.max(rest, 0) }, () => sample(schema.items ?? {}, defs))];
    }
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key] ?? {}, defs);
      return out;
    }
    default:
      return null;
  }
}

/**
 * The fields of an event generated from its zod schema (see {@link sampleEvent}); `type` excluded.
 */
export function sampleFields(def: AnyEventDef): Record<string, unknown> {
  const schema = z.toJSONSchema(def.schema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const fields = sample(schema, schema.$defs ?? {});
  return fields && typeof fields === "object" ? (fields as Record<string, unknown>) : {};
}

/**
 * An event of type `def`: from the given fixture fields, or generated from its zod schema. Throws
 * `WorkflowValidationError` naming the event when the result is not valid (a regex or a refinement
 * a generator cannot satisfy): give a fixture for that event.
 */
export function sampleEvent(def: AnyEventDef, fixture?: Readonly<Record<string, unknown>>): AnyEvent {
  const fields = fixture ?? sampleFields(def);
  const checked = def.schema.safeParse(fields);
  if (!checked.success) {
    const how = fixture ? "The fixture" : "A value generated from its schema";
    throw new WorkflowValidationError(
      checked.error.issues.map((i: z.core.$ZodIssue) => `${def.type}.${i.path.join(".")}: ${i.message}`),
      `${how} for ${def.type} is not valid; pass fixtures: { ${def.type}: { ... } }`,
    );
  }
  return def.parse({ ...fields, type: def.type }) as AnyEvent;
}
