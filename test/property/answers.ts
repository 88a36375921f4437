/**
 * The person answering the prompts of a generated run: right after `run()` for early answers,
 * on each prompt of the stream after seeded noise, or through the store's inbox while no process
 * runs a durable run. Each prompt is answered once across incarnations.
 */
import {
  type AnyEvent,
  type AnyEventDef,
  HumanResponseEvent,
  type WorkflowHandler,
  type WorkflowSnapshot,
  WorkflowStateError,
  type WorkflowStore,
} from "../../src/index.js";
import { type Built, type Incarnation, make, noise } from "./build.js";
import { RUN_ID } from "./crash.js";
import { answerType, type Plan, ticksAt } from "./plan.js";

type Handler = WorkflowHandler<any, any>;

/** The prompts pending in a snapshot (a resumed run streams them first). */
export function pendingOf(snapshot: WorkflowSnapshot | undefined): AnyEvent[] {
  const pending = (snapshot?.machine.context as { pending?: readonly { event: AnyEvent }[] } | undefined)?.pending;
  return (pending ?? []).map((p) => p.event);
}

/**
 * While no process runs the run, answers some of its pending prompts through the store's inbox
 * (seeded choice); the next incarnation takes them when it starts. A HumanResponseEvent that
 * resolves no waiter answers the oldest prompt a step returned (docs/decisions.md), so returned
 * prompts are answered oldest first, as every person answering them does here: once one is left
 * for later, so are the ones after it.
 */
export async function answerByInbox(
  built: Built,
  store: WorkflowStore,
  snapshot: WorkflowSnapshot,
  plan: Plan,
  answered: Set<string>,
): Promise<void> {
  let askLeft = false;
  for (const prompt of pendingOf(snapshot)) {
    const id = promptId(prompt.payload as Record<string, unknown>);
    const ask = prompt.prefix === "ask";
    if (answered.has(id)) continue;
    if ((ask && askLeft) || ticksAt(plan.noiseSeed, 1, `inbox|${id}`) === 0) {
      askLeft ||= ask;
      continue;
    }
    answered.add(id);
    await built.wf.sendEvent(RUN_ID, answerTo(prompt, built.defs), { store });
  }
}

/** Sends the answers of custom waits before any step ran; one sent after the crash point is not sent. */
export function answerEarly(
  h: Handler,
  inc: Incarnation,
  built: Built,
  keys: readonly string[],
  answered: Set<string>,
): void {
  for (const key of keys) {
    if (inc.dead) return;
    h.sendEvent(make(built.defs.get(answerType(key.split("|")[0] as string)) as AnyEventDef, { key, v: 1 }));
    answered.add(key);
  }
}

/** A prompt's identity: its wait key, or its whole payload for an `ask` prompt. */
const promptId = (payload: Record<string, unknown>) =>
  typeof payload.key === "string" ? payload.key : JSON.stringify(payload);

/**
 * Answers every prompt of this incarnation, after seeded noise, until it dies; once per prompt
 * across incarnations. An answer sent before a crash point is in the snapshot; a restored prompt
 * can still be pending then (its answer parked until the re-run step hands back its `where`
 * predicate), and a second answer would only be held and rejected when the run ends.
 */
export async function drive(
  h: Handler,
  inc: Incarnation,
  built: Built,
  plan: Plan,
  violations: string[],
  answered: Set<string>,
): Promise<void> {
  for await (const ev of h.streamEvents()) {
    if (ev.type !== "InputRequiredEvent") continue;
    const id = promptId(ev.payload as Record<string, unknown>);
    if (answered.has(id)) continue;
    await noise(plan.noiseSeed, plan.maxTicks, `answer|${id}`);
    if (inc.dead) return;
    if (answered.has(id)) continue;
    answered.add(id);
    try {
      h.sendEvent(answerTo(ev, built.defs));
    } catch (error) {
      // The run may have failed meanwhile (a planned exhaustion): nothing to answer then.
      if (!(error instanceof WorkflowStateError)) violations.push(`answer refused: ${String(error)}`);
    }
  }
}

function answerTo(prompt: AnyEvent, defs: ReadonlyMap<string, AnyEventDef>): AnyEvent {
  const payload = prompt.payload as Record<string, unknown>;
  if (prompt.prefix === "ask") return HumanResponseEvent({ response: "ok", ...payload });
  if (payload.type === "HumanResponseEvent") return HumanResponseEvent({ response: "ok", key: payload.key });
  return make(defs.get(String(payload.type)) as AnyEventDef, { key: payload.key, v: 1 });
}
