/**
 * `npm run machines`: writes machines/ — for every workflow in examples/, the runtime machine's
 * config and the view statechart as JSON (importable into Stately's editor), and a Mermaid
 * diagram. test/machines.test.ts fails when a checked-in file differs from what the compiler
 * emits now: these are the compiler's golden files.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { extract } from "../examples/extract.js";
import { approval } from "../examples/human-approval.js";
import { parallelSearch } from "../examples/parallel-search.js";
import { rag } from "../examples/rag.js";
import { ragClass } from "../examples/rag-class.js";
import { visitCounter } from "../examples/state.js";
import { streaming } from "../examples/streaming.js";
import { toMermaid } from "../src/inspect/index.js";

export const MACHINES_DIR = fileURLToPath(new URL("../machines/", import.meta.url));

/** Every example workflow, by the example file it lives in. */
const examples = {
  rag,
  "rag-class": ragClass,
  state: visitCounter,
  "parallel-search": parallelSearch,
  "human-approval": approval,
  streaming,
  extract,
};

/**
 * A machine config as JSON: the functions XState keeps in it (actions, guards) become their
 * names (the compiler names each one), or their XState type.
 */
export function configJson(config: unknown): string {
  const replace = (_key: string, value: unknown) => {
    if (typeof value !== "function") return value;
    const fn = value as { name?: string; type?: string };
    return fn.name || fn.type || "anonymous";
  };
  return `${JSON.stringify(config, replace, 2)}\n`;
}

/** Every file of machines/, by name, as the compiler emits it now. */
export function generateMachines(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, wf] of Object.entries(examples)) {
    files.set(`${name}.machine.json`, configJson(wf.toMachine().config));
    files.set(`${name}.view.json`, configJson(wf.toStatechart().config));
    files.set(`${name}.mmd`, `${toMermaid(wf)}\n`);
  }
  return files;
}

function main(): void {
  const files = generateMachines();
  mkdirSync(MACHINES_DIR, { recursive: true });
  for (const old of readdirSync(MACHINES_DIR))
    if (!files.has(old) && old !== "README.md") rmSync(join(MACHINES_DIR, old));
  for (const [name, text] of files) writeFileSync(join(MACHINES_DIR, name), text);
  process.stdout.write(`wrote ${files.size} files to machines/\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
