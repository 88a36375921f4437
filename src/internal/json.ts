/** A value that survives `JSON.stringify` → `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** @internal True for the keys that enable prototype pollution when an object is rebuilt from JSON. */
export function isForbiddenKey(key: string): boolean {
  return forbiddenKeys.has(key);
}

/**
 * @internal Returns a description of the first non-JSON part of `value` (`null` when it is plain JSON).
 * The path is dotted from the root (`a.b[2]`), so errors can name the exact offending place.
 */
export function findNonJson(
  value: unknown,
  path = "",
  options: { readonly allowUndefinedProperties?: boolean } = {},
): string | null {
  return walk(value, path, new Set(), options.allowUndefinedProperties === true);
}

function walk(value: unknown, path: string, seen: Set<object>, skipUndefined: boolean): string | null {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return Number.isFinite(value) ? null : `${path || "value"} is ${value} (not a finite number)`;
    case "undefined":
      return `${path || "value"} is undefined`;
    case "function":
      return `${path || "value"} is a function`;
    case "bigint":
    case "symbol":
      return `${path || "value"} is a ${typeof value}`;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return `${path || "value"} is a cycle`;
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const problem = walk(obj[i], `${path}[${i}]`, seen, skipUndefined);
        if (problem) return problem;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? "object";
      return `${path || "value"} is a ${name} instance (only plain objects are JSON)`;
    }
    for (const key of Object.keys(obj)) {
      const at = path ? `${path}.${key}` : key;
      if (forbiddenKeys.has(key)) return `${at} uses the forbidden key "${key}"`;
      const item = (obj as Record<string, unknown>)[key];
      if (item === undefined && skipUndefined) continue; // JSON.stringify drops the key
      const problem = walk(item, at, seen, skipUndefined);
      if (problem) return problem;
    }
    return null;
  } finally {
    seen.delete(obj);
  }
}
