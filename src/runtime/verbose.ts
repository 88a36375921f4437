import type { AnyEvent } from "../events/types.js";

/**
 * The `verbose` option's log line for a step lifecycle item. The only place the library writes to
 * the console, and only when a user asked for it.
 */
export function logStep(workflow: string, event: AnyEvent): void {
  const at = `[${workflow}] ${String(event.step)}#${String(event.invocation)}`;
  let line: string;
  if (event.type === "StepStartedEvent") line = `${at} started on ${String(event.event)}`;
  else if (event.status === "completed") line = `${at} completed${event.output ? ` with ${String(event.output)}` : ""}`;
  else line = `${at} ${String(event.status)}: ${(event.error as { message?: string } | undefined)?.message ?? ""}`;
  // biome-ignore lint/suspicious/noConsole: `verbose` is an explicit request for log lines on stderr
  console.error(line);
}
