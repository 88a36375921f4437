import { createColors } from "picocolors";
import type { AnyEvent } from "../../events/types.js";
import type { PendingInput, RunContext } from "../../kernel/context.js";
import { listedStatus, type StoredRun } from "../../persistence/store.js";
import { printable } from "../display/format.js";
import { quote } from "../display/outcome.js";
import type { CliIo } from "../io.js";

/**
 * What `runs show` says about a run: all read from its record. A record keeps the run's state,
 * not its history: the full trace (`traceRun`) lives with the process running the run, so what is
 * shown of the past is what the record keeps of it (the last event types routed, the steps in
 * flight and their attempts, the queues).
 */
export function describeRun({ snapshot, lease }: StoredRun) {
  const context = snapshot.machine.context as Partial<RunContext>;
  const outcome = context.outcome ?? null;
  const queued = Object.entries(context.slots ?? {})
    .map(([step, slot]) => ({ step, events: slot.queue.items.slice(slot.queue.head, slot.queue.tail).map(typeOf) }))
    .filter((q) => q.events.length > 0);
  return {
    runId: snapshot.runId,
    workflow: snapshot.workflow,
    status: listedStatus(snapshot.status, lease, Date.now()),
    savedAt: snapshot.savedAt,
    lease: lease && { owner: lease.owner, expiresAt: isoOrAsIs(lease.expiresAt) },
    pending: (context.pending ?? []).map((p: PendingInput) => p.event),
    outcome:
      outcome?.status === "completed"
        ? { status: "completed" as const, result: (outcome.stop as { result?: unknown }).result ?? null }
        : outcome,
    recentEvents: [...(context.recent ?? [])],
    inFlight: (context.inflight ?? []).map((inv) => ({
      step: inv.step,
      invocation: inv.id,
      event: inv.event.type,
      attempt: inv.attempt,
      ...(inv.lastError ? { lastError: inv.lastError } : {}),
    })),
    queued,
    waitingFor: (context.waiters ?? []).map((w) => w.eventType),
    state: context.state ?? {},
  };
}

type RunReport = ReturnType<typeof describeRun>;
const typeOf = (item: { event: AnyEvent }) => item.event.type;

/** A run's record for a person. Every value from the record goes through `printable` (`t`). */
export function formatReport(r: RunReport, c: Colours, store: string): string {
  const t = printable;
  const json = (value: unknown) => t(JSON.stringify(value));
  const lines = [
    `${c.bold("run")}       ${t(r.runId)}`,
    `${c.bold("workflow")}  ${t(r.workflow)}`,
    `${c.bold("status")}    ${c.status(r.status)}`,
    `${c.bold("saved at")}  ${t(r.savedAt)}`,
    `${c.bold("runner")}    ${r.lease ? `${t(r.lease.owner)} (lease until ${r.lease.expiresAt})` : "none"}`,
  ];
  if (r.pending.length > 0) {
    lines.push("", c.bold(`Waiting for a person (${r.pending.length}):`));
    for (const prompt of r.pending) {
      const { type, prefix, payload, ...rest } = prompt as AnyEvent & { prefix?: string; payload?: unknown };
      lines.push(`  ${t(type)}${prefix ? `: ${t(String(prefix).trim())}` : ""}`);
      if (payload !== undefined) lines.push(`    payload ${json(payload)}`);
      if (Object.keys(rest).length > 0) lines.push(`    ${json(rest)}`);
    }
    lines.push(
      `  answer: stepchart runs send ${t(quote(r.runId))} --store ${t(quote(store))} --file <file> --response "<answer>"`,
    );
  }
  const o = r.outcome;
  if (o?.status === "completed") lines.push("", `${c.bold("Result")} ${json(o.result)}`);
  else if (o?.status === "failed") {
    const where = o.step === null ? "the run stalled" : `step ${t(o.step)} failed after ${o.attempts} attempt(s)`;
    const error = `${o.error.code ? `${o.error.code}: ` : ""}${o.error.message}`;
    lines.push("", `${c.bold("Error")} ${where}: ${t(error)}`);
  } else if (o?.status === "timedOut")
    lines.push("", `${c.bold("Timed out")} after ${o.timeout} ms (active: ${t(o.activeSteps.join(", ")) || "none"})`);
  else if (o?.status === "cancelled") lines.push("", c.bold("Cancelled"));
  lines.push("", c.bold("What the record keeps of the run"));
  lines.push(`  recent events  ${t(r.recentEvents.join(" → ")) || "none"}`);
  for (const inv of r.inFlight) {
    const error = inv.lastError ? ` (last error: ${t(inv.lastError.message)})` : "";
    const label = r.outcome ? "was running  " : "in flight    ";
    lines.push(`  ${label}  ${t(inv.step)}#${inv.invocation} on ${t(inv.event)}, attempt ${inv.attempt}${error}`);
  }
  for (const q of r.queued) lines.push(`  queued         ${t(q.step)}: ${t(q.events.join(", "))}`);
  for (const type of r.waitingFor) lines.push(`  a step awaits  ${t(type)}`);
  lines.push(`  state          ${json(r.state)}`);
  lines.push(c.dim("  (the full trace is kept by the process running the run; a stored record has its state)"));
  return `${lines.join("\n")}\n`;
}

export type Colours = ReturnType<typeof colours>;

/** Colour on a terminal only, and never with NO_COLOR (https://no-color.org). */
export function colours(io: CliIo) {
  const pc = createColors(io.stdout.isTTY === true && !io.env.NO_COLOR);
  const byStatus: Record<string, (text: string) => string> = {
    completed: pc.green,
    failed: pc.red,
    timedOut: pc.red,
    waiting: pc.yellow,
    interrupted: pc.magenta,
    running: pc.cyan,
    cancelled: pc.dim,
  };
  return { bold: pc.bold, dim: pc.dim, status: (status: string) => (byStatus[status] ?? String)(status) };
}

/** A lease's expiry as an ISO time; a corrupt record's value as it is (`runs show` still shows the rest). */
function isoOrAsIs(ms: number): string | number {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? ms : date.toISOString();
}
