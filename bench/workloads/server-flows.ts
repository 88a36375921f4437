/**
 * (g) The two workflows the server load bench serves, and what each run must stream. Built package
 * (`dist/`), like every bench workload; the server child and the in-process side import this file.
 *
 * - `stream`: three stream writes, then the StopEvent. No wait: the run may well end before its
 *   SSE request arrives, so over HTTP this measures starting a run and replaying its stream.
 * - `ask`: three stream writes and a prompt; the answer (over `POST /events`, or `sendEvent`
 *   in-process) lets it write one more item and stop. The run cannot end before its reader has
 *   seen the prompt, so every stream is live, and holding the answers back holds every stream open.
 */
import { z } from "zod";
import type * as Stepchart from "../../src/index.js";

const built = "../../dist/index.js";
const { defineEvent, HumanResponseEvent, InputRequiredEvent, StopEvent, startEvent, workflow } = (await import(
  built
)) as typeof Stepchart;

export { HumanResponseEvent, InputRequiredEvent };

const Tick = defineEvent("Tick", { n: z.number() });
const Begin = startEvent({ run: z.number().int() });

const stream = workflow({ name: "load-stream", start: Begin }).step(
  "write",
  { accepts: Begin, emits: [StopEvent] },
  (ctx, ev) => {
    for (let n = 0; n < 3; n++) ctx.writeEventToStream(Tick({ n }));
    return StopEvent({ result: `run ${ev.run}` });
  },
);

const ask = workflow({ name: "load-ask", start: Begin })
  .step("write", { accepts: Begin, emits: [InputRequiredEvent] }, (ctx) => {
    for (let n = 0; n < 3; n++) ctx.writeEventToStream(Tick({ n }));
    return InputRequiredEvent({ prefix: "go on?" });
  })
  .step("finish", { accepts: HumanResponseEvent, emits: [StopEvent] }, (ctx, ev) => {
    ctx.writeEventToStream(Tick({ n: 3 }));
    return StopEvent({ result: `answered ${ev.response}` });
  });

/** One stream item as the API carries it (an SSE item's `data`). */
export interface Envelope {
  readonly type: string;
  readonly value: Record<string, unknown>;
}

/** What the server child serves, by name. */
export const servedWorkflows = { stream, ask };

/** What the in-process side needs of a workflow. */
export interface Runnable {
  run(input: { run: number }): Stepchart.WorkflowHandler<unknown, Stepchart.AnyEvent>;
}

/** A served workflow, its input for run `i`, the answer run `i` gets, and what it must stream. */
export interface LoadFlow {
  /** The name it is served under (`POST /workflows/{name}/run-nowait`). */
  readonly name: keyof typeof servedWorkflows;
  readonly workflow: Runnable;
  readonly asks: boolean;
  input(i: number): { run: number };
  answer(i: number): string;
  /** The StopEvent's `result`. */
  result(i: number): string;
  /** Every item of run `i`'s stream, in order, the terminal item last. */
  items(i: number): Envelope[];
}

const ticks = (n: number): Envelope[] => Array.from({ length: n }, (_, k) => ({ type: "Tick", value: { n: k } }));
const stop = (result: string): Envelope => ({ type: "StopEvent", value: { result } });

export const streamFlow: LoadFlow = {
  name: "stream",
  workflow: stream,
  asks: false,
  input: (i) => ({ run: i }),
  answer: () => "",
  result: (i) => `run ${i}`,
  items: (i) => [...ticks(3), stop(`run ${i}`)],
};

export const askFlow: LoadFlow = {
  name: "ask",
  workflow: ask,
  asks: true,
  input: (i) => ({ run: i }),
  // Each run gets its own answer, so an answer delivered to the wrong run shows in its result.
  answer: (i) => `ok ${i}`,
  result: (i) => `answered ok ${i}`,
  items: (i) => [
    ...ticks(3),
    { type: "InputRequiredEvent", value: { prefix: "go on?" } },
    { type: "Tick", value: { n: 3 } },
    stop(`answered ok ${i}`),
  ],
};

export const TERMINAL = new Set([
  "StopEvent",
  "WorkflowCancelledEvent",
  "WorkflowFailedEvent",
  "WorkflowTimedOutEvent",
]);

/** The envelope of an event read in-process, as the server would send it. */
export function envelopeOf(event: { type: string }): Envelope {
  const { type, ...value } = event as { type: string } & Record<string, unknown>;
  return { type, value };
}

/**
 * Throws unless run `i` streamed exactly its items: same types and values in order, one terminal
 * item and it last, and (over SSE) `id:` positions 0, 1, 2, … with no gap.
 */
export function checkStream(
  flow: LoadFlow,
  i: number,
  got: readonly Envelope[],
  ids?: readonly (string | undefined)[],
) {
  const want = flow.items(i);
  const where = `${flow.name} run ${i}`;
  const terminals = got.filter((e) => TERMINAL.has(e.type)).length;
  if (terminals !== 1) throw new Error(`${where}: ${terminals} terminal items (want 1)`);
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`${where}: streamed ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
  ids?.forEach((id, k) => {
    if (id !== String(k)) throw new Error(`${where}: item ${k} has SSE id ${String(id)} (positions must be 0, 1, …)`);
  });
}
