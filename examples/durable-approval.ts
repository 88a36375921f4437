/**
 * A run that survives a restart: the approval workflow of human-approval.ts, kept in SQLite, driven
 * by three separate processes, none of which lives through the whole run.
 *
 *   1. `start`:  starts the run, waits until it asks for approval, detaches (saves, lets go), exits.
 *   2. `answer`: a different process (a web request, say) delivers the reviewer's reply to the store.
 *   3. `resume`: a third process picks the run up by id, applies the reply, and finishes it.
 *
 * Run: npx tsx examples/durable-approval.ts [--trace]            (all three phases, in child processes)
 *      npx tsx examples/durable-approval.ts [--trace] start|answer|resume <db> [response]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { HumanResponseEvent } from "../src/index.js";
import { SqliteStore } from "../src/persistence/sqlite-store.js";
import { approval } from "./human-approval.js";
import { describeStep, isMain, type MainOptions, printSteps } from "./util.js";

export const RUN_ID = "launch-announcement";

/** Phase 1: start the run and leave it waiting for a person, in the store. */
export async function start(db: string, options: MainOptions = {}): Promise<string> {
  const store = new SqliteStore({ path: db });
  const handler = approval.run({ topic: "stepchart 1.0" }, { store, runId: RUN_ID });
  let prompt = "";
  for await (const ev of handler.streamEvents(options.trace ? { all: true } : {})) {
    const line = options.trace ? describeStep(ev) : undefined;
    if (line) console.log(line);
    if (ev.type === "InputRequiredEvent") {
      prompt = String(ev.prefix);
      break;
    }
  }
  await handler.detach(); // saved as "waiting"; this process can go
  store.close();
  return prompt;
}

/** Phase 2: a reply from anywhere; no runner needs to be alive. */
export async function answer(db: string, response: string): Promise<void> {
  const store = new SqliteStore({ path: db });
  await approval.sendEvent(RUN_ID, HumanResponseEvent({ response }), { store });
  store.close();
}

/** Phase 3: continue the run where it stopped and finish it. */
export async function resume(db: string, options: MainOptions = {}) {
  const store = new SqliteStore({ path: db });
  try {
    const handler = approval.resume(RUN_ID, { store });
    const traced = options.trace ? printSteps(handler) : undefined;
    const decision = await handler;
    await traced;
    return decision;
  } finally {
    store.close();
  }
}

/** Runs the three phases as three processes, and prints what each did. */
export function main(options: MainOptions = {}): void {
  const dir = mkdtempSync(join(tmpdir(), "stepchart-durable-"));
  const db = join(dir, "runs.db");
  const self = fileURLToPath(import.meta.url);
  try {
    for (const phase of [["start"], ["answer", "yes"], ["resume"]]) {
      const [name, ...rest] = phase as [string, ...string[]];
      const args = [...(options.trace ? ["--trace"] : []), name, db, ...rest];
      const child = spawnSync(process.execPath, ["--import", "tsx", self, ...args], { encoding: "utf8" });
      if (child.stdout.trim()) console.log(child.stdout.trimEnd());
      if (child.status !== 0) throw new Error(`phase ${name} failed: ${child.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const trace = process.argv.includes("--trace");
  const [phase, db, response] = process.argv.slice(2).filter((arg) => arg !== "--trace");
  if (phase === undefined) main({ trace });
  else if (phase === "start")
    console.log(`[pid ${process.pid}] start: asked "${await start(db as string, { trace })}", detached`);
  else if (phase === "answer") {
    await answer(db as string, response ?? "yes");
    console.log(`[pid ${process.pid}] answer: delivered "${response ?? "yes"}" to ${RUN_ID}`);
  } else if (phase === "resume") {
    const decision = await resume(db as string, { trace });
    console.log(`[pid ${process.pid}] resume: approved=${decision.approved} after ${decision.revisions} revision(s)`);
  }
}
