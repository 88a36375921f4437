/**
 * Checks that what a definition is given are zod 4 schemas. A zod 3 schema (`import { z } from "zod"`
 * on zod 3) looks like one, and zod 4 accepts it when an object is built, then throws from inside
 * its parser at the first run ("expected a Zod schema"). Found here, where the definition is made,
 * the message can name the fix instead.
 */

/** @internal The fix for an app whose schemas come from zod 3. */
export const ZOD_4_REQUIRED =
  'stepchart takes zod 4 schemas: on zod 3.25 or later write `import { z } from "zod/v4"`, or upgrade to zod 4 (`npm install zod@4`)';

/** zod 4 schemas (classic and mini) keep their internals under `_zod`; zod 3 schemas under `_def`. */
function kindOf(value: unknown): "zod4" | "zod3" | "other" {
  if (typeof value !== "object" || value === null) return "other";
  if ("_zod" in value) return "zod4";
  return "_def" in value ? "zod3" : "other";
}

function describe(value: unknown): string {
  if (value === null) return "null";
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
  const kind = kindOf(fields);
  if (kind === "zod4") return [];
  if (kind === "zod3") return [`its fields are a zod 3 schema; ${ZOD_4_REQUIRED}`];
  if (typeof fields !== "object" || fields === null || Array.isArray(fields))
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
