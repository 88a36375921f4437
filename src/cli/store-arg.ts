import type { WorkflowStore } from "../persistence/store.js";
import { UsageError } from "./usage-error.js";

/** A store opened from `--store`, with how to let go of it when the command ends. */
export interface OpenedStore {
  readonly store: WorkflowStore;
  /** What the user passed, for messages (`sqlite:runs.db`). */
  readonly label: string;
  close(): Promise<void>;
}

/**
 * Opens the store `--store` names: `sqlite:<path>` (better-sqlite3) or a `postgres://` /
 * `postgresql://` URL (pg). Each driver is an optional peer, loaded only when named, so a missing
 * one is a `MISSING_DEPENDENCY` error with its install command.
 */
export async function openStore(arg: string): Promise<OpenedStore> {
  if (arg.startsWith("sqlite:")) {
    const path = arg.slice("sqlite:".length);
    if (path === "") throw new UsageError("--store sqlite: needs a path, as in sqlite:runs.db");
    const { SqliteStore } = await import("../persistence/sqlite-store.js");
    const store = new SqliteStore({ path });
    return { store, label: arg, close: async () => store.close() };
  }
  if (/^postgres(ql)?:\/\//.test(arg)) {
    const { PostgresStore } = await import("../persistence/postgres-store.js");
    const store = new PostgresStore({ connectionString: arg });
    return { store, label: redact(arg), close: () => store.close() };
  }
  throw new UsageError(`--store takes sqlite:<path> or a postgres:// URL, not "${arg}"`);
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
