import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src/", import.meta.url));

function sources(dir = src): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : [],
  );
}

/** The modules a source file imports (static and dynamic), by specifier. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((m) => m[1] as string);
}

const where = (file: string) => relative(src, file).replaceAll("\\", "/");

describe("dependencies point one way", () => {
  it("only src/openai/ imports openai", () => {
    const offenders = sources().filter((f) => !where(f).startsWith("openai/") && importsOf(f).includes("openai"));
    expect(offenders.map(where)).toEqual([]);
  });

  it("only src/telemetry/ imports @opentelemetry/* (the core runs, and is instrumented, without it)", () => {
    const offenders = sources().filter(
      (f) => !where(f).startsWith("telemetry/") && importsOf(f).some((m) => m.startsWith("@opentelemetry/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("events and definitions never import xstate (drawing, validation and types stay light)", () => {
    const offenders = sources().filter(
      (f) =>
        /^(events|definition)\//.test(where(f)) && importsOf(f).some((m) => m === "xstate" || m.startsWith("xstate/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("events, definitions, the kernel, step execution and the compiler never import the runtime", () => {
    const offenders = sources().filter(
      (f) =>
        /^(events|definition|kernel|execution|compiler)\//.test(where(f)) &&
        importsOf(f).some((m) => m.includes("/runtime/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("the run kernel (scheduling, queues, collect, journal, protocol, outcomes) is XState-free", () => {
    const offenders = sources().filter(
      (f) => where(f).startsWith("kernel/") && importsOf(f).some((m) => m === "xstate" || m.startsWith("xstate/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("the kernel knows neither step execution nor the compiler; step execution does not know the compiler", () => {
    const offenders = sources().filter((f) => {
      const file = where(f);
      const mods = importsOf(f);
      return (
        (file.startsWith("kernel/") && mods.some((m) => /\/(execution|compiler)\//.test(m))) ||
        (file.startsWith("execution/") && mods.some((m) => m.includes("/compiler/")))
      );
    });
    expect(offenders.map(where)).toEqual([]);
  });

  it("only src/testing/ imports @xstate/graph, only src/inspect/ knows @statelyai/inspect", () => {
    const offenders = sources().filter((f) => {
      const file = where(f);
      const mods = importsOf(f);
      return (
        (mods.some((m) => m.startsWith("@xstate/graph")) && !file.startsWith("testing/")) ||
        (mods.some((m) => m.startsWith("@statelyai/")) && !file.startsWith("inspect/"))
      );
    });
    expect(offenders.map(where)).toEqual([]);
  });

  it("the inspect and testing subpaths are not imported by the core", () => {
    const offenders = sources().filter(
      (f) =>
        /^(events|definition|kernel|execution|compiler|runtime|persistence)\//.test(where(f)) &&
        importsOf(f).some((m) => m.includes("/inspect/") || m.includes("/testing/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("only src/server/ imports hono and @hono/*", () => {
    const offenders = sources().filter(
      (f) =>
        !where(f).startsWith("server/") &&
        importsOf(f).some((m) => m === "hono" || m.startsWith("hono/") || m.startsWith("@hono/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("only src/cli/ imports the terminal libraries (commander, @clack/prompts, log-update, picocolors)", () => {
    const terminal = (m: string) => ["commander", "log-update", "picocolors"].includes(m) || m.startsWith("@clack/");
    const offenders = sources().filter((f) => !where(f).startsWith("cli/") && importsOf(f).some(terminal));
    expect(offenders.map(where)).toEqual([]);
  });

  it("nothing in the library imports the CLI", () => {
    const offenders = sources().filter(
      (f) => !where(f).startsWith("cli/") && importsOf(f).some((m) => m.includes("/cli/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("the server subpath is not imported by the rest of the library (but the CLI)", () => {
    const offenders = sources().filter(
      (f) =>
        !where(f).startsWith("server/") &&
        !where(f).startsWith("cli/") &&
        importsOf(f).some((m) => m.includes("/server/")),
    );
    expect(offenders.map(where)).toEqual([]);
  });

  it("the database drivers are imported by their store alone", () => {
    const offenders = sources().filter((f) => {
      const file = where(f);
      const mods = importsOf(f);
      return (
        (mods.includes("better-sqlite3") && file !== "persistence/sqlite-store.ts") ||
        (mods.includes("pg") && file !== "persistence/postgres-store.ts")
      );
    });
    expect(offenders.map(where)).toEqual([]);
  });
});

describe("the module graph", () => {
  /** Resolves a relative import of `file` to a source file, or undefined for a package. */
  const resolve = (file: string, spec: string): string | undefined => {
    if (!spec.startsWith(".")) return undefined;
    return join(file, "..", spec.replace(/\.js$/, ".ts"));
  };

  it("has no import cycle", () => {
    const files = sources();
    const edges = new Map(files.map((f) => [f, importsOf(f).flatMap((spec) => resolve(f, spec) ?? [])]));
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const visit = (file: string, path: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        cycles.push([...path.slice(path.indexOf(file)), file].map(where).join(" → "));
        return;
      }
      state.set(file, "open");
      for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, "done");
    };
    for (const file of files) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it("the root entry reaches no node: module, so the core bundles for browsers and edge runtimes (stores, server and CLI keep theirs behind their subpaths)", () => {
    const reached = new Set<string>();
    const walk = (file: string) => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const spec of importsOf(file)) {
        const next = resolve(file, spec);
        if (next) walk(next);
      }
    };
    walk(join(src, "index.ts"));
    expect([...reached].map(where)).toEqual(expect.arrayContaining(["runtime/workflow.ts", "persistence/snapshot.ts"]));
    const offenders = [...reached].flatMap((f) =>
      importsOf(f)
        .filter((m) => m.startsWith("node:"))
        .map((m) => `${where(f)}: ${m}`),
    );
    expect(offenders).toEqual([]);
  });

  it("uses XState internals only where named here, each for a reason", () => {
    const allowed: Record<string, string> = {
      // A callback step actor reports to the workflow actor and reads its context: fromCallback
      // gives it `sendBack`, but no reference to the parent whose snapshot it must read.
      "execution/step-actor.ts": "_parent",
      // A promise step actor (statechart shape) reads the workflow actor's context and reports to it:
      // fromPromise gives no parent reference. What the step produces goes through the system's
      // relay, as `sendTo` would, so inspectors record the step's actor as the event's source.
      "execution/promise-step.ts": "_parent, _relay",
      // "auto" hosting asks whether the root of the actor system was created with an inspector.
      "execution/hosting.ts": "_parent",
      // A message to a step actor goes through the system's relay, as `sendTo` would, so an
      // inspector records the workflow actor as its source (falls back to `send` without it).
      "compiler/compact-effects.ts": "_relay",
    };
    const uses = sources().flatMap((f) => {
      const found = [...readFileSync(f, "utf8").matchAll(/\b(_relay|_parent|_snapshot|_processingStatus)\b/g)];
      return [...new Set(found.map((m) => m[1]))].map((name) => `${where(f)}: ${name}`);
    });
    expect(uses.sort()).toEqual(
      Object.entries(allowed)
        .flatMap(([file, names]) => names.split(", ").map((name) => `${file}: ${name}`))
        .sort(),
    );
  });
});
