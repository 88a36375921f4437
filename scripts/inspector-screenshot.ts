/**
 * `npx tsx scripts/inspector-screenshot.ts`: writes docs/images/inspector-human-approval.png, the
 * picture in docs/inspect.md. It runs examples/human-approval.ts (one revision, then approved)
 * with `@statelyai/inspect` attached through the local inspector server on 127.0.0.1, exactly as
 * test/inspect/stately-server.test.ts does, and renders what the inspector page received: the
 * machine definition (`@xstate.actor`) with the active states of the snapshot where the run waits
 * for the second answer, the workflow's events with their source actors, and each region's state
 * in every snapshot. The Stately inspector UI itself is a web app on stately.ai, so this renders
 * the same data in a local page instead, shot with headless Chromium (/usr/bin/chromium).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { StatelyInspectionEvent } from "@statelyai/inspect";
import { chromium } from "playwright-core";
import { approval } from "../examples/human-approval.js";
import { HumanResponseEvent, InputRequiredEvent } from "../src/index.js";
import { localInspector, until } from "../test/inspect/stately-support.js";

const OUT = fileURLToPath(new URL("../docs/images/inspector-human-approval.png", import.meta.url));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

type StateJson = { type?: string; states?: Record<string, StateJson>; on?: Record<string, unknown> };
type Value = string | { [key: string]: Value };
interface Received {
  definition: StateJson;
  snapshots: { value: Value; event: string }[];
  events: { source: string; type: string; at: number }[];
  actors: string[];
}

/** Runs the example through the local inspector server; what its page would have received. */
async function record(): Promise<Received> {
  const { inspector, received, stop } = await localInspector();
  try {
    const handler = approval.run({ topic: "statecharts" }, { inspect: inspector.inspect });
    const answers = ["Mention the inspector", "yes"];
    for await (const ev of handler.streamEvents()) {
      if (InputRequiredEvent.is(ev)) handler.sendEvent(HumanResponseEvent({ response: answers.shift() ?? "yes" }));
    }
    await handler.result;
    const done = (e: StatelyInspectionEvent) => e.type === "@xstate.snapshot" && e.snapshot.status === "done";
    await until(() => received.some(done), "the final snapshot");
    return digest(received);
  } finally {
    stop();
  }
}

function digest(received: StatelyInspectionEvent[]): Received {
  const actors = received.flatMap((e) => (e.type === "@xstate.actor" ? [e] : []));
  const run = actors.find((a) => a.name === approval.definition.name);
  if (!run) throw new Error("the workflow actor never reached the receiver");
  const names = new Map(actors.map((a) => [a.sessionId, a.name]));
  const out: Received = {
    definition: JSON.parse(run.definition ?? "{}"),
    snapshots: [],
    events: [],
    actors: actors.map((a) => a.name),
  };
  for (const e of received) {
    if (e.sessionId !== run.sessionId) continue;
    if (e.type === "@xstate.snapshot") {
      const { value } = e.snapshot as unknown as { value: Value };
      out.snapshots.push({ value, event: (e.event as { type: string }).type });
    } else if (e.type === "@xstate.event" && !/^(xstate|stepchart)\./.test(e.event.type)) {
      const source = names.get(e.sourceId ?? "") ?? "outside";
      out.events.push({ source, type: e.event.type, at: out.snapshots.length });
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** The active state paths of a snapshot value (`running`, `running.human`, `running.human.waiting`, …). */
function activePaths(value: Value, prefix = ""): string[] {
  if (typeof value === "string") return [prefix + value];
  return Object.entries(value).flatMap(([key, sub]) => [prefix + key, ...activePaths(sub, `${prefix}${key}.`)]);
}

/** Transitions with a target, grouped by target; runtime messages (`stepchart.*`) only counted. */
function transitions(on: Record<string, unknown> = {}): string {
  const byTarget = new Map<string, string[]>();
  let runtime = 0;
  for (const [type, spec] of Object.entries(on)) {
    for (const t of [spec].flat() as { target?: string }[]) {
      if (!t?.target) continue;
      const target = t.target.replace(/^#[^.]+\./, "");
      if (type.startsWith("stepchart.") && target === "idle") runtime++;
      else byTarget.set(target, [...(byTarget.get(target) ?? []), type]);
    }
  }
  const rows = [...byTarget].map(([target, types]) => `<li>${types.map(esc).join(", ")} <i>→ ${esc(target)}</i></li>`);
  if (runtime > 0) rows.push(`<li class="dim">+${runtime} runtime messages → idle</li>`);
  return rows.length ? `<ul>${rows.join("")}</ul>` : "";
}

function drawState(name: string, node: StateJson, path: string, active: Set<string>): string {
  const children = Object.entries(node.states ?? {});
  const kind = node.type === "parallel" ? "parallel" : children.length ? "compound" : (node.type ?? "atomic");
  const inner = children.map(([key, child]) => drawState(key, child, path ? `${path}.${key}` : key, active)).join("");
  const on = kind === "atomic" || kind === "parallel" ? transitions(node.on) : "";
  return `<div class="state ${kind}${active.has(path) ? " active" : ""}"><div class="name">${esc(name)}${
    kind === "parallel" ? " <small>parallel</small>" : kind === "final" ? " <small>final</small>" : ""
  }</div>${kind === "parallel" ? on : ""}<div class="children">${inner}</div>${kind === "atomic" ? on : ""}</div>`;
}

function page(r: Received, at: number): string {
  const active = new Set(activePaths(r.snapshots[at]?.value ?? ""));
  // The serialiser sorts keys: `running` first again, the end states after it.
  const root = Object.entries(r.definition.states ?? {})
    .sort(([, a], [, b]) => Number(b.states !== undefined) - Number(a.states !== undefined))
    .map(([key, node]) => drawState(key, node, key, active))
    .join("");
  const events = r.events
    .map((e) => `<li class="${e.at > at ? "later" : ""}"><b>${esc(e.source)}</b> → ${esc(e.type)}</li>`)
    .join("");
  const regions = Object.keys(r.definition.states?.running?.states ?? {});
  const cell = (value: Value, region: string) => {
    const state = typeof value === "string" ? value : ((value.running as Record<string, string>)?.[region] ?? "");
    return `<td class="s-${esc(state)}">${esc(state)}</td>`;
  };
  const rows = regions.map(
    (region) =>
      `<tr><th>${esc(region)}</th>${r.snapshots.map((s, i) => cell(s.value, region).replace("<td", i === at ? '<td data-now=""' : "<td")).join("")}</tr>`,
  );
  const header = r.snapshots.map((s) => `<th class="ev">${esc(s.event)}</th>`).join("");
  return `<!doctype html><meta charset="utf-8"><style>${CSS}</style>
<h1>${esc(approval.definition.name)} <small>as the local inspector server relayed it · snapshot ${at + 1} of ${r.snapshots.length}</small></h1>
<div class="top"><div class="machine">${root}</div><div class="seq"><h2>Actors</h2><p>${r.actors.map(esc).join(", ")}</p><h2>Workflow events (source → type)</h2><ol>${events}</ol></div></div>
<h2>Regions in each snapshot (columns: the event that made it)</h2><table><tr><th></th>${header}</tr>${rows.join("")}</table>`;
}

const CSS = `body{font:13px system-ui,sans-serif;margin:16px;color:#223;background:#fff}h1{font-size:18px;margin:0 0 12px}
h1 small,h2{font-size:12px;color:#667;font-weight:normal}.top{display:flex;gap:16px;align-items:flex-start}
.machine{flex:1;display:flex;flex-wrap:wrap;gap:10px}.state{border:1.5px solid #99a;border-radius:8px;padding:6px 8px;background:#fafaff}
.state .name{font-weight:600}.state small{font-weight:normal;color:#778}.children{display:flex;gap:8px;flex-wrap:wrap;margin-top:4px}
.parallel{flex-basis:100%}.parallel>.children>.state{border-style:dashed;flex:1}.final{border-width:3px;border-style:double}
.active{border-color:#2a7;background:#eafaf1}.active>.name{color:#174}ul{margin:4px 0 0;padding-left:14px;color:#445;font-size:11px}
.dim{color:#99a}.seq{width:300px;border-left:1px solid #ddd;padding-left:12px}.seq ol{padding-left:18px;margin:0}.seq li{margin:3px 0}
.later{color:#bbb}table{border-collapse:collapse;margin-top:4px;font-size:11px}td,th{border:1px solid #e3e3ea;padding:2px 4px;text-align:center}
th.ev{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;color:#556}.s-running{background:#dcefff}.s-waiting{background:#fff1c9}
.s-completed{background:#e4f6e4}td[data-now]{outline:2px solid #2a7}`;

async function main() {
  const received = await record();
  let at = -1;
  received.snapshots.forEach((s, i) => {
    if (activePaths(s.value).includes("running.human.waiting")) at = i;
  });
  const dir = mkdtempSync(join(tmpdir(), "stepchart-inspector-"));
  const file = join(dir, "inspector.html");
  writeFileSync(file, page(received, at));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  try {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 400 }, deviceScaleFactor: 1 });
    await tab.goto(pathToFileURL(file).href);
    await tab.screenshot({ path: OUT, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`wrote ${OUT} (from ${file})\n`);
}

await main();
// `@statelyai/inspect`'s WebSocket receiver has no way to close it, and keeps the process alive.
process.exit(0);
