/** What the store contract suites share: a small approval workflow and real snapshots of it. */
import {
  HumanResponseEvent,
  InputRequiredEvent,
  StartEvent,
  StopEvent,
  type WorkflowSnapshot,
  workflow,
} from "../../src/index.js";
import { sleep } from "../helpers.js";

/** Waits until `check` holds (stores save on the next turn of the event loop). */
export async function eventually(check: () => Promise<boolean>, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error("condition not met in time");
    await sleep(5);
  }
}

export const approval = () =>
  workflow({ name: "approval" })
    .step("ask", { accepts: StartEvent, emits: [InputRequiredEvent] }, async (ctx) => {
      ctx.set("asked", (ctx.get<number>("asked", 0) as number) + 1);
      return InputRequiredEvent({ prefix: "approve?" });
    })
    .step("decide", { accepts: HumanResponseEvent, emits: [StopEvent] }, async (ctx, ev) =>
      StopEvent({ result: `${ev.response} after ${ctx.get("asked")} ask(s)` }),
    );

/** A snapshot to store, taken from a real run waiting for its answer. */
export async function someSnapshot(runId: string): Promise<WorkflowSnapshot> {
  const handler = approval().run(undefined, { runId });
  await sleep(5);
  const snapshot = handler.snapshot();
  handler.cancel();
  await handler.catch(() => undefined);
  return snapshot;
}

/** The same run, answered: a snapshot of a run that has completed. */
export async function finishedSnapshot(runId: string): Promise<WorkflowSnapshot> {
  const handler = approval().run(undefined, { runId });
  await sleep(5);
  handler.sendEvent(HumanResponseEvent({ response: "ok" }));
  await handler;
  return handler.snapshot();
}

/** A snapshot of `runId` with status `running` (a run whose runner is at work). */
export function asRunning(snapshot: WorkflowSnapshot, runId: string): WorkflowSnapshot {
  return {
    ...snapshot,
    runId,
    status: "running",
    machine: { ...snapshot.machine, context: { ...snapshot.machine.context, runId } },
  };
}
