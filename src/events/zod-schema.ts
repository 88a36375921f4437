/**
 * Checks that what a definition is given are zod 4 schemas. A zod 3 schema (`import { z } from "zod"`
 * on zod 3) looks like one, and zod 4 accepts it when an object is built, then throws from inside
 * its parser at the first run ("expected a Zod schema"). Found here, where the definition is made,
 * the message can name the fix instead.
 */

/** @internal The fix for an app whose schemas come from zod 3. */
export const ZOD_4_REQUIRED =
  'stepchart takes zod 4 schemas: on zod 3.25 or later write `import { z } from "zod/v4"`, or upgrade to zod 4 (`npm install zod@4`)';

/**
 * @internal Whether `value` is a zod 4 schema (classic or mini, of any copy of zod 4). Its internals
 * are under `_zod`, with the definition and the set of traits `instanceof` reads; a shape whose
 * field is named `_zod` has a schema there, whose own keys hold no `traits`.
 */
export function isZod4Schema(value: unknown): value is { _zod: ZodInternals } {
  if (typeof value !== "object" || value === null) return false;
  const internals = (value as { _zod?: unknown })._zod;
  if (typeof internals !== "object" || internals === null) return false;
  const { def, traits } = internals as Partial<ZodInternals>;
  return typeof def === "object" && def !== null && typeof traits?.has === "function";
}

interface ZodInternals {
  def: { type?: unknown };
  traits: { has(trait: string): boolean };
}

/**
 * Whether `value` is a zod 3 schema: its definition under `_def` and zod 3's parse method,
 * `_parse` (zod 4 has none). A shape's fields are schemas, objects, so a shape whose field is
 * named `_def` or `_parse` has no `_parse` function.
 */
function isZod3Schema(value: object): boolean {
  const { _def, _parse } = value as { _def?: unknown; _parse?: unknown };
  return typeof _def === "object" && _def !== null && typeof _parse === "function";
}

function kindOf(value: unknown): "zod4" | "zod3" | "other" {
  if (typeof value !== "object" || value === null) return "other";
  if (isZod4Schema(value)) return "zod4";
  return isZod3Schema(value) ? "zod3" : "other";
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (isZod4Schema(value)) return `a zod ${String(value._zod.def.type)} schema`;
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "a plain object" : typeof value;
}

/** @internal What is wrong with `value` as a zod 4 schema (`what` names it), or undefined. */
export function schemaProblem(what: string, value: unknown): string | undefined {
  const kind = kindOf(value);
  if (kind === "zod4") return undefined;
  if (kind === "zod3") return `${what} is a zod 3 schema; ${ZOD_4_REQUIRED}`;
  return `${what} is not a zod schema (got ${describe(value)})`;
}

/**
 * @internal The problems of an event's fields, given as a shape (`{ q: z.string() }`, one problem
 * per field that is not a zod 4 schema) or as one schema (`z.object(...)`).
 */
export function fieldsProblems(fields: unknown): string[] {
  // The trait `instanceof z.core.$ZodObject` reads: classic and mini objects have it.
  if (isZod4Schema(fields) && fields._zod.traits.has("$ZodObject")) return [];
  const kind = kindOf(fields);
  if (kind === "zod3") return [`its fields are a zod 3 schema; ${ZOD_4_REQUIRED}`];
  if (typeof fields !== "object" || fields === null || Array.isArray(fields) || kind === "zod4")
    return [`its fields must be a shape ({ name: z.string() }) or a z.object(...), got ${describe(fields)}`];
  const problems: string[] = [];
  let zod3 = 0;
  for (const [key, value] of Object.entries(fields)) {
    const problem = schemaProblem(`field "${key}"`, value);
    if (problem === undefined) continue;
    // Every field of a zod 3 shape would repeat the fix: name it once, at the first.
    if (kindOf(value) === "zod3" && zod3++ > 0) problems.push(`field "${key}" is a zod 3 schema`);
    else problems.push(problem);
  }
  return problems;
}
