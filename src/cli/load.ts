import { existsSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { peer, required } from "../internal/peers.js";
import type { Workflow } from "../runtime/workflow.js";
import { UsageError } from "./usage-error.js";

/** A workflow as the CLI drives it (a `Workflow` of any types). */
export type AnyWorkflow = Workflow;

/** Extensions Node 20 cannot import without a TypeScript loader. */
const typescript = new Set([".ts", ".mts", ".cts", ".tsx"]);

/**
 * A workflow is recognised by its shape, not `instanceof`: the file imports its own copy of
 * stepchart (`node_modules/stepchart`, or the sources in this repository), not the CLI's.
 */
export function isWorkflow(value: unknown): value is AnyWorkflow {
  const wf = value as { definition?: { name?: unknown; steps?: unknown }; run?: unknown; resume?: unknown } | null;
  return (
    typeof wf === "object" &&
    wf !== null &&
    typeof wf.run === "function" &&
    typeof wf.resume === "function" &&
    typeof wf.definition?.name === "string" &&
    Array.isArray(wf.definition.steps)
  );
}

let registered = false;

async function importFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (typescript.has(extname(file)) && !registered) {
    // tsx: an optional peer, as most TypeScript projects have it (`npm install -D tsx`). Its
    // loader is registered for the process, not scoped (`tsImport`): the file's imports then
    // resolve to the modules the CLI runs on, one copy of stepchart rather than two.
    const tsx = required(await peer(import("tsx/esm/api")), "tsx", "stepchart on a .ts file", "npm install -D tsx");
    tsx.register();
    registered = true;
  }
  return (await import(url)) as Record<string, unknown>;
}

/** The default export of each loaded file's workflows, when it is one (it may be listed by its name). */
const defaults = new WeakMap<ReadonlyMap<string, AnyWorkflow>, AnyWorkflow>();
/** What each loaded file exports as `resources`. */
const exportedResources = new WeakMap<ReadonlyMap<string, AnyWorkflow>, unknown>();

/**
 * The workflows a file exports, by export name (in name order, as a module lists them); a workflow
 * exported under two names is listed once, under a name rather than `default` when it has one.
 */
export async function loadWorkflows(path: string): Promise<Map<string, AnyWorkflow>> {
  const file = resolve(path);
  if (!existsSync(file)) throw new UsageError(`No such file: ${path}`);
  if (statSync(file).isDirectory()) throw new UsageError(`${path} is a directory, not a workflow file`);
  const exports = await importFile(file);
  const found = new Map<string, AnyWorkflow>();
  const seen = new Set<unknown>();
  const named = Object.entries(exports).filter(([name]) => name !== "default");
  for (const [name, value] of [...named, ["default", exports.default] as const]) {
    if (!isWorkflow(value) || seen.has(value)) continue;
    seen.add(value);
    found.set(name, value);
  }
  if (found.size === 0) throw new UsageError(`${path} exports no workflow`);
  if (isWorkflow(exports.default)) defaults.set(found, exports.default);
  if (exports.resources !== undefined) exportedResources.set(found, exports.resources);
  return found;
}

/**
 * The `ctx.resources` a file gives its workflows' runs: its `resources` export, an object or a
 * function (sync or async) that makes one, called once per command. Resources are not part of a
 * stored run, so commands that resume runs need them as much as those that start them.
 */
export async function resourcesOf(
  found: ReadonlyMap<string, AnyWorkflow>,
): Promise<Readonly<Record<string, unknown>> | undefined> {
  const exported = exportedResources.get(found);
  if (exported === undefined) return undefined;
  const made = typeof exported === "function" ? await (exported as () => unknown)() : exported;
  if (typeof made !== "object" || made === null || Array.isArray(made))
    throw new UsageError("The file's `resources` export must be an object, or a function that returns one");
  return made as Record<string, unknown>;
}

/**
 * Every workflow of several files by workflow name (what a store records and a server serves):
 * one exported twice is taken once, two different ones of one name are a usage error. Their
 * resources are merged (a later file's win).
 */
export async function loadFiles(
  files: readonly string[],
  cwd: string,
): Promise<{ workflows: Record<string, AnyWorkflow>; resources: Readonly<Record<string, unknown>> | undefined }> {
  const workflows: Record<string, AnyWorkflow> = {};
  let resources: Record<string, unknown> | undefined;
  for (const file of files) {
    const found = await loadWorkflows(resolve(cwd, file));
    for (const wf of found.values()) {
      const name = wf.definition.name;
      if (workflows[name] && workflows[name] !== wf)
        throw new UsageError(`Two workflows are named "${name}" (the second in ${file}): rename one to serve both`);
      workflows[name] = wf;
    }
    const made = await resourcesOf(found);
    if (made) resources = { ...resources, ...made };
  }
  return { workflows, resources };
}

/**
 * The workflow a command names with `--workflow` (an export name or a workflow's `name`), or the
 * file's only one (its default export, when it has one and others).
 */
export function pickWorkflow(found: ReadonlyMap<string, AnyWorkflow>, wanted?: string): AnyWorkflow {
  const all = [...found.entries()];
  if (wanted !== undefined) {
    const match = all.find(([name, wf]) => name === wanted || wf.definition.name === wanted);
    if (match) return match[1];
    throw new UsageError(`No workflow "${wanted}"; the file exports: ${describe(all)}`);
  }
  if (all.length === 1) return (all[0] as [string, AnyWorkflow])[1];
  const byDefault = defaults.get(found) ?? found.get("default");
  if (byDefault) return byDefault;
  throw new UsageError(`The file exports several workflows (${describe(all)}): pick one with --workflow`);
}

const describe = (all: [string, AnyWorkflow][]) =>
  all.map(([name, wf]) => (name === wf.definition.name ? name : `${name} ("${wf.definition.name}")`)).join(", ");
