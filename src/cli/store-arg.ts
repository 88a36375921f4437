import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isWorkflowError } from "../errors.js";
import type { WorkflowStore } from "../persistence/store.js";
import { UsageError } from "./usage-error.js";

/** A store opened from `--store`, with how to let go of it when the command ends. */
export interface OpenedStore {
  readonly store: WorkflowStore;
  /** What the user passed, for messages (`sqlite:runs.db`). */
  readonly label: string;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /**
   * The store must exist already: commands that read stored runs (`runs …`) say a sqlite file
   * that is not there does not exist, rather than creating an empty database.
   */
  readonly existing?: boolean;
}

/**
 * Opens the store `--store` names: `sqlite:<path>` (better-sqlite3) or a `postgres://` /
 * `postgresql://` URL (pg). Each driver is an optional peer, loaded only when named, so a missing
 * one is a `MISSING_DEPENDENCY` error with its install command. A path or URL that cannot be used
 * is a usage error naming `--store`.
 */
export async function openStore(arg: string, options: OpenStoreOptions = {}): Promise<OpenedStore> {
  if (arg.startsWith("sqlite:")) {
    const path = arg.slice("sqlite:".length);
    if (path === "") throw new UsageError("--store sqlite: needs a path, as in sqlite:runs.db");
    if (path !== ":memory:") checkSqlitePath(arg, path, options.existing === true);
    const { SqliteStore } = await import("../persistence/sqlite-store.js");
    try {
      const store = new SqliteStore({ path });
      return { store, label: arg, close: async () => store.close() };
    } catch (error) {
      // The driver could not open the file (permissions, not a database): the user's to fix.
      if (isWorkflowError(error) && error.code === "STORE") throw new UsageError(`--store ${arg}: ${error.message}`);
      throw error;
    }
  }
  if (/^postgres(ql)?:\/\//.test(arg)) {
    if (!parsesAsConnectionString(arg))
      throw new UsageError(
        "--store: the postgres:// URL does not parse (percent-encode special characters in the user name and password)",
      );
    const { PostgresStore } = await import("../persistence/postgres-store.js");
    const store = new PostgresStore({ connectionString: arg });
    return { store, label: redact(arg), close: () => store.close() };
  }
  throw new UsageError(`--store takes sqlite:<path> or a postgres:// URL, not "${arg}"`);
}

/** A sqlite path the driver can open: its directory exists, and the path is not a directory. */
function checkSqlitePath(arg: string, path: string, existing: boolean): void {
  const file = resolve(path);
  if (!existsSync(file)) {
    if (existing) throw new UsageError(`--store ${arg}: the store file does not exist`);
    const parent = dirname(file);
    if (!existsSync(parent) || !statSync(parent).isDirectory())
      throw new UsageError(`--store ${arg}: the directory ${parent} does not exist`);
  } else if (statSync(file).isDirectory()) throw new UsageError(`--store ${arg}: ${path} is a directory`);
}

/**
 * Whether pg can read `text` as a connection string. pg parses it with `URL`, trying again with a
 * placeholder host for one without a host (`postgres://user@/db`), after encoding spaces.
 */
function parsesAsConnectionString(text: string): boolean {
  const encoded = / |%[^a-f0-9]|%[a-f0-9][^a-f0-9]/i.test(text) ? encodeURI(text).replace(/%25(\d\d)/g, "%$1") : text;
  for (const candidate of [encoded, encoded.replace("@/", "@placeholder/")]) {
    try {
      new URL(candidate);
      return true;
    } catch {
      // Not this way: try the next.
    }
  }
  return false;
}

/** A database URL without its password (in the userinfo or a `password` parameter), for messages. */
function redact(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = "***";
    if (url.searchParams.has("password")) url.searchParams.set("password", "***");
    return url.toString();
  } catch {
    return "a postgres:// URL";
  }
}
