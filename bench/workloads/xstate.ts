/** The raw-XState side: what one would hand-write with XState v5 and no stepchart. */
import { assign, createActor, enqueueActions, fromPromise, setup, toPromise } from "xstate";
import { check, fanoutSum, stepHook, type Workload } from "../lib/measure.js";

const inc = fromPromise<number, number>(async ({ input }) => {
  stepHook.fn();
  return input + 1;
});

const names = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9"] as const;

/** s0..s9: each state invokes `inc`; onDone assigns the output and moves on; `done` is final. */
const chainMachine = setup({
  types: { context: {} as { v: number }, input: {} as number, output: {} as number },
  actors: { inc },
}).createMachine({
  context: ({ input }) => ({ v: input }),
  initial: "s0",
  states: {
    ...Object.fromEntries(
      names.map((name, i) => [
        name,
        {
          invoke: {
            src: "inc" as const,
            input: ({ context }: { context: { v: number } }) => context.v,
            onDone: { target: names[i + 1] ?? "done", actions: assign({ v: ({ event }) => event.output as number }) },
          },
        },
      ]),
    ),
    done: { type: "final" },
  },
  output: ({ context }) => context.v,
});

const job = fromPromise<number, number>(async ({ input }) => input);

interface FanCtx {
  n: number;
  next: number;
  done: number;
  sum: number;
}

/**
 * spawnChild per item, at most 4 in flight (like `numWorkers: 4`): each `xstate.done.actor.*`
 * adds the output and spawns the next item; an always-guard goes final once all are in.
 */
const fanoutMachine = setup({
  types: { context: {} as FanCtx, input: {} as number, output: {} as number },
  actors: { job },
}).createMachine({
  context: ({ input }) => ({ n: input, next: 0, done: 0, sum: 0 }),
  initial: "running",
  states: {
    running: {
      entry: enqueueActions(({ context, enqueue }) => {
        const first = Math.min(4, context.n);
        for (let i = 0; i < first; i++) enqueue.spawnChild("job", { input: i });
        enqueue.assign({ next: first });
      }),
      always: { guard: ({ context }) => context.done === context.n, target: "finished" },
      on: {
        "xstate.done.actor.*": {
          actions: enqueueActions(({ context, event, enqueue }) => {
            const spawn = context.next < context.n;
            if (spawn) enqueue.spawnChild("job", { input: context.next });
            enqueue.assign({
              sum: context.sum + (event as unknown as { output: number }).output,
              done: context.done + 1,
              next: spawn ? context.next + 1 : context.next,
            });
          }),
        },
      },
    },
    finished: { type: "final" },
  },
  output: ({ context }) => context.sum,
});

export const xstate: Workload = {
  name: "raw XState",
  async chain() {
    const actor = createActor(chainMachine, { input: 0 });
    actor.start();
    check("xstate chain", await toPromise(actor), 10);
  },
  async fanout(n) {
    const actor = createActor(fanoutMachine, { input: n });
    actor.start();
    check(`xstate fan-out ${n}`, await toPromise(actor), fanoutSum(n));
  },
};
