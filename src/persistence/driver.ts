import { createRequire } from "node:module";
import { WorkflowError } from "../errors.js";

const load = createRequire(import.meta.url);

/**
 * Loads a store's database driver (an optional peer package) when the store is built, not when
 * its module is imported: importing `stepchart/stores/sqlite` without better-sqlite3 must not be
 * Node's bare `ERR_MODULE_NOT_FOUND`, but an error that names the package and how to install it.
 */
export function loadDriver<T>(pkg: string, store: string, install: string): T {
  try {
    return load(pkg) as T;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND";
    throw new WorkflowError(
      "MISSING_DEPENDENCY",
      missing
        ? `${store} needs the "${pkg}" package, which is not installed: install it with \`${install}\``
        : `${store} could not load the "${pkg}" package (${(error as Error).message}): reinstall it with \`${install}\``,
      { cause: error },
    );
  }
}
