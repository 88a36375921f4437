/** A value that survives `JSON.stringify` → `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The deepest nesting of objects and arrays stepchart accepts in a value it keeps: a run's input,
 * an event's fields, a `ctx.set` value, a `ctx.run` result (1000: `{ a: { b: 1 } }` is 2 levels).
 * Anything deeper, or cyclic, is refused with the boundary's own error (`EventValidationError`,
 * `StepStateError`) before it can reach code that recurses (zod, `JSON.stringify`, XState's snapshot
 * persistence), where it would be a `RangeError`. A snapshot may nest {@link SNAPSHOT_MAX_DEPTH}
 * levels: such values plus the levels of the run's context around them.
 *
 * @example
 * ```ts
 * const levels = MAX_JSON_DEPTH + 1;
 * const tree: unknown = JSON.parse(`${"[".repeat(levels)}${"]".repeat(levels)}`);
 * ctx.set("tree", tree); // throws StepStateError: nested deeper than MAX_JSON_DEPTH
 * ```
 */
export const MAX_JSON_DEPTH = 1000;

/** {@link MAX_JSON_DEPTH} plus the context levels a snapshot wraps around a value (a queued event's fields). */
export const SNAPSHOT_MAX_DEPTH = MAX_JSON_DEPTH + 16;

const forbiddenKeys = new Set(["__proto__", "constructor", "prototype"]);

/** @internal True for the keys that enable prototype pollution when an object is rebuilt from JSON. */
export function isForbiddenKey(key: string): boolean {
  return forbiddenKeys.has(key);
}

/** Where a problem is (keys and indexes from the root) and what it is. */
export interface JsonProblem {
  readonly path: readonly (string | number)[];
  readonly reason: string;
}

export interface JsonCheckOptions {
  /** `{ a: undefined }` passes (JSON.stringify drops the key). */
  readonly allowUndefinedProperties?: boolean;
  /** @default MAX_JSON_DEPTH */
  readonly maxDepth?: number;
  /**
   * Only the shape matters (depth and cycles): non-JSON leaves pass and class instances are not
   * entered. For values about to meet code that recurses, whatever the leaves are.
   */
  readonly shapeOnly?: boolean;
}

/**
 * @internal Returns a description of the first non-JSON part of `value` (`null` when it is plain JSON
 * of at most `maxDepth` levels). The path is dotted from the root (`a.b[2]`), so errors can name
 * the exact offending place.
 */
export function findNonJson(value: unknown, path = "", options: JsonCheckOptions = {}): string | null {
  const problem = jsonProblem(value, options);
  return problem ? `${formatPath(path, problem.path)} ${problem.reason}` : null;
}

/** @internal The first part of `value` that is not JSON (or too deep, or cyclic), or `null`. */
export function jsonProblem(value: unknown, options: JsonCheckOptions = {}): JsonProblem | null {
  const shapeOnly = options.shapeOnly === true;
  const own = leafProblem(value, shapeOnly);
  if (own !== undefined) return own === null ? null : { path: [], reason: own };
  try {
    if (isSmallJson(value as object, options.allowUndefinedProperties === true, shapeOnly)) return null;
    return walk(value as object, options);
  } catch (error) {
    // A throwing getter or a revoked Proxy: the value cannot even be read.
    return { path: [], reason: `cannot be read (${describeThrown(error)})` };
  }
}

/** Dotted display of a path: `input.a.b[2]`; a very deep one keeps its ends (`a.a.a…a.b`, 1001 levels). */
export function formatPath(root: string, path: readonly (string | number)[]): string {
  const shown =
    path.length > 12
      ? [...path.slice(0, 6), `…(${path.length - 8} more)…`, ...path.slice(-2)]
      : (path as readonly (string | number)[]);
  let out = root;
  for (const part of shown) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out || "value";
}

/** The path as zod writes it in issues (`a.b.2`), for `EventValidationError`. */
export function issuePath(path: readonly (string | number)[]): string {
  const shown = path.length > 12 ? [...path.slice(0, 6), `…(${path.length - 8} more)…`, ...path.slice(-2)] : path;
  return shown.map(String).join(".");
}

/**
 * `null` for a JSON scalar, a reason for a non-JSON one, `undefined` for an object or array to
 * enter. With `shapeOnly`, every scalar and every non-plain object is a leaf that passes.
 */
function leafProblem(value: unknown, shapeOnly: boolean): string | null | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return null;
    case "number":
      return shapeOnly || Number.isFinite(value) ? null : `is ${value} (not a finite number)`;
    case "undefined":
      return shapeOnly ? null : "is undefined";
    case "function":
      return shapeOnly ? null : "is a function";
    case "bigint":
    case "symbol":
      return shapeOnly ? null : `is a ${typeof value}`;
  }
  if (value === null) return null;
  if (Array.isArray(value)) return undefined;
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) return undefined;
  if (shapeOnly) return null;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return `is a ${typeof name === "string" && name ? name : "non-plain object"} instance (only plain objects are JSON)`;
}

/** Levels and nodes the fast path looks at before it hands over to the full walk. */
const FAST_DEPTH = 24;
const FAST_NODES = 256;

/**
 * The common case, fast: a small, shallow, clean value (an event, a state value) is checked by a
 * plain recursion that allocates nothing. False means "walk it properly": it found a problem,
 * or the value is deeper or bigger than the fast path looks (which bounds its recursion).
 */
function isSmallJson(root: object, skipUndefined: boolean, shapeOnly: boolean): boolean {
  fastBudget = FAST_NODES;
  return visitSmall(root, 0, skipUndefined, shapeOnly);
}

let fastBudget = 0;

function visitSmall(value: object, depth: number, skipUndefined: boolean, shapeOnly: boolean): boolean {
  if (--fastBudget < 0 || depth > FAST_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const own = leafProblem(item, shapeOnly);
      if (own === undefined ? !visitSmall(item as object, depth + 1, skipUndefined, shapeOnly) : own !== null)
        return false;
    }
    return true;
  }
  for (const key in value) {
    if (forbiddenKeys.has(key)) return false;
    const item: unknown = (value as Record<string, unknown>)[key];
    if (item === undefined && skipUndefined) continue;
    const own = leafProblem(item, shapeOnly);
    if (own === undefined ? !visitSmall(item as object, depth + 1, skipUndefined, shapeOnly) : own !== null)
      return false;
  }
  return true;
}

interface Frame {
  readonly value: object;
  readonly keys: readonly string[] | null;
  readonly key: string | number;
  readonly depth: number;
  next: number;
  /** Nesting levels of the deepest chain below and including this container. */
  height: number;
}

/**
 * Depth-first, with an explicit stack: a value 100 000 levels deep is reported, never a
 * `RangeError`. Containers already checked are not walked again (a value that shares one array
 * in many places stays linear); a revisit only checks that it still fits in depth.
 */
function walk(root: object, options: JsonCheckOptions): JsonProblem | null {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  const skipUndefined = options.allowUndefinedProperties === true;
  const shapeOnly = options.shapeOnly === true;
  const checked = new Map<object, number>();
  const open = new Set<object>();
  const stack: Frame[] = [];
  const pathTo = (last?: string | number): (string | number)[] => {
    const path = stack.slice(1).map((f) => f.key);
    if (last !== undefined) path.push(last);
    return path;
  };
  const enter = (value: object, key: string | number, depth: number): JsonProblem | null => {
    if (open.has(value)) return { path: pathTo(key), reason: "is a cycle (refers to an object that contains it)" };
    const height = checked.get(value);
    if (height !== undefined) {
      if (depth + height > maxDepth) return { path: pathTo(key), reason: tooDeep(maxDepth) };
      noteHeight(height);
      return null;
    }
    if (depth >= maxDepth) return { path: pathTo(key), reason: tooDeep(maxDepth) };
    open.add(value);
    stack.push({ value, keys: Array.isArray(value) ? null : Object.keys(value), key, depth, next: 0, height: 1 });
    return null;
  };
  const noteHeight = (childHeight: number) => {
    const top = stack[stack.length - 1];
    if (top && childHeight + 1 > top.height) top.height = childHeight + 1;
  };
  const first = enter(root, "", 0);
  if (first) return first;
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    const { value, keys } = frame;
    const length = keys ? keys.length : (value as unknown[]).length;
    if (frame.next >= length) {
      stack.pop();
      open.delete(value);
      checked.set(value, frame.height);
      noteHeight(frame.height);
      continue;
    }
    const i = frame.next++;
    let key: string | number = i;
    if (keys) {
      key = keys[i] as string;
      if (forbiddenKeys.has(key)) return { path: pathTo(key), reason: `uses the forbidden key "${key}"` };
    }
    const item = (value as Record<string | number, unknown>)[key];
    if (item === undefined && keys && skipUndefined) continue; // JSON.stringify drops the key
    const problem = leafProblem(item, shapeOnly);
    if (problem === null) continue;
    if (problem !== undefined) return { path: pathTo(key), reason: problem };
    const entered = enter(item as object, key, frame.depth + 1);
    if (entered) return entered;
  }
  return null;
}

function tooDeep(maxDepth: number): string {
  return `is nested more than ${maxDepth} levels deep (the limit is ${maxDepth})`;
}

/** A thrown value's message, without calling anything that could throw again. */
export function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.message === "string") return error.message;
    if (typeof error === "string") return error;
  } catch {
    // a getter that throws, a revoked Proxy
  }
  return "an unreadable value";
}
