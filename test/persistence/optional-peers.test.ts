/**
 * The stores' database drivers are optional peers. These tests build the package as it ships
 * (tsup, the project's own config, into a temporary directory), install it in a temporary
 * `node_modules` beside its two dependencies, with or without the drivers, and import its store
 * entry points from a real Node process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { app as appIn, buildPackage, runIn } from "../support/built-package.js";

let built: { dir: string; dispose(): void };
afterAll(() => built?.dispose());
const app = (name: string, deps: string[]) => appIn(built.dir, name, deps);

/** Builds the store `Store` of `entry` with `options` and reports what it threw, or what it did. */
const tryStore = (entry: string, Store: string, options: string, use: string) => `
  import { isWorkflowError } from "stepchart";
  const { ${Store} } = await import("stepchart/stores/${entry}");
  try {
    const store = new ${Store}(${options});
    ${use}
  } catch (error) {
    console.log(JSON.stringify({ workflowError: isWorkflowError(error), code: error.code, message: error.message }));
  }`;

beforeAll(async () => {
  built = await buildPackage();
}, 60_000);

describe("the stores' optional drivers, in the built package", () => {
  it("a missing better-sqlite3 or pg is a WorkflowError naming the package and its install command", () => {
    const home = app("bare", []);
    expect(runIn(home, tryStore("sqlite", "SqliteStore", `{ path: ":memory:" }`, ""))).toEqual({
      workflowError: true,
      code: "MISSING_DEPENDENCY",
      message:
        'SqliteStore needs the "better-sqlite3" package, which is not installed: install it with `npm install better-sqlite3@12`',
    });
    expect(runIn(home, tryStore("postgres", "PostgresStore", "{}", ""))).toEqual({
      workflowError: true,
      code: "MISSING_DEPENDENCY",
      message: 'PostgresStore needs the "pg" package, which is not installed: install it with `npm install pg@8`',
    });
  });

  it("with the drivers installed, the built stores load them and work", () => {
    const home = app("full", ["better-sqlite3", "pg"]);
    const sqlite = `
      await store.save({ version: 1, workflow: "w", definitionHash: "h", runId: "r", status: "running",
        savedAt: "2026-01-01T00:00:00.000Z", machine: {} }, { owner: "me", create: true });
      console.log(JSON.stringify((await store.list()).map((run) => run.runId)));`;
    expect(runIn(home, tryStore("sqlite", "SqliteStore", `{ path: ":memory:" }`, sqlite))).toEqual(["r"]);
    const pg = `console.log(JSON.stringify(store.description)); await store.close();`;
    expect(
      runIn(home, tryStore("postgres", "PostgresStore", `{ connectionString: "postgres://u@db:5432/x" }`, pg)),
    ).toBe('the PostgreSQL schema "public" at postgres://u@db:5432/x');
  });
});
