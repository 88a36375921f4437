import { WorkflowError } from "../errors.js";

/**
 * An optional peer package, imported when its module loads (a top-level `await import()`): the
 * module that needs it still loads without it, and the feature that uses it throws
 * {@link missingPeer}'s error instead of Node's bare `ERR_MODULE_NOT_FOUND`.
 */
export type Peer<T> = { readonly module: T } | { readonly error: unknown };

/** @internal Settles a peer's dynamic import into a {@link Peer}. */
export function peer<T>(loading: Promise<T>): Promise<Peer<T>> {
  return loading.then(
    (module) => ({ module }),
    (error: unknown) => ({ error }),
  );
}

/**
 * @internal The peer's module, or a `MISSING_DEPENDENCY` WorkflowError that names the package,
 * the feature that needs it and the command that installs it.
 */
export function required<T>(loaded: Peer<T>, pkg: string, feature: string, install: string): T {
  if ("module" in loaded) return loaded.module;
  const error = loaded.error as { code?: unknown; message?: unknown } | null;
  const missing = error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "MODULE_NOT_FOUND";
  throw new WorkflowError(
    "MISSING_DEPENDENCY",
    missing
      ? `${feature} needs the "${pkg}" package, which is not installed: install it with \`${install}\``
      : `${feature} could not load the "${pkg}" package (${String(error?.message ?? error)}): reinstall it with \`${install}\``,
    { cause: loaded.error },
  );
}
