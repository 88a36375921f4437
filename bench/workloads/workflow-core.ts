/**
 * The LlamaIndex side: the same chain and fan-out written with `@llamaindex/workflow-core`, the
 * TypeScript workflow engine stepchart's API is modelled on. Written as its README shows: events
 * from `workflowEvent()`, handlers returning `next.with(data)`, a run is a context whose `stream`
 * the caller reads with `for await` until the stop event arrives.
 */
import { createWorkflow, type WorkflowEvent, workflowEvent } from "@llamaindex/workflow-core";
import { createStatefulMiddleware } from "@llamaindex/workflow-core/middleware/state";
import { check, fanoutSum, stepHook, type Workload } from "../lib/measure.js";

/** Reads a run's stream until `stop` arrives and returns its data; leaving the loop cancels the stream. */
async function untilStop<T>(stream: AsyncIterable<unknown>, stop: WorkflowEvent<T>): Promise<T> {
  for await (const ev of stream) if (stop.include(ev)) return ev.data;
  throw new Error("workflow-core: the stream ended without a stop event");
}

// ---- chain: begin -> e1 -> ... -> e9 -> end, each handler adds 1 ---------------------------------
const chainEvents = Array.from({ length: 11 }, () => workflowEvent<number>());
const begin = chainEvents[0]!;
const end = chainEvents[10]!;
const chain = createWorkflow();
for (let i = 0; i < 10; i++) {
  const next = chainEvents[i + 1]!;
  chain.handle([chainEvents[i]!], async (_ctx, ev) => {
    stepHook.fn();
    return next.with(ev.data + 1);
  });
}

// ---- fan-out: start sends n Jobs, job answers each with JobDone, gather sums and stops ------------
const start = workflowEvent<number>();
const job = workflowEvent<number>();
const jobDone = workflowEvent<number>();
const stop = workflowEvent<number>();

// Per-run state for the gather handler through the package's own `withState` middleware (handlers are
// registered once per workflow, so a closure cannot hold a run's count). Two other shapes were tried
// and are slower and super-linear, because JobDone events nobody handles stay in the context's queue,
// which is copied and scanned on every sendEvent: the caller counting JobDone on the stream (≈ 40 ms
// at 1k, 4 s at 10k), and the README's fan-out (start awaits `ctx.stream.filter(jobDone).take(n)`,
// ≈ 200 ms at 1k). This one measured ≈ 45 ms at 1k and 0.7–0.9 s at 10k, but it too grows faster than n
// past that (one run: 3.7 s at 30k, 26 s at 100k), so the bench never runs it at 100k.
const { withState } = createStatefulMiddleware((input: { n: number }) => ({ n: input.n, count: 0, sum: 0 }));
const fan = withState(createWorkflow());
fan.handle([start], async (ctx, ev) => {
  // No numWorkers in workflow-core: every job handler starts here, inside sendEvent, all n at once.
  for (let i = 0; i < ev.data; i++) ctx.sendEvent(job.with(i));
});
fan.handle([job], async (_ctx, ev) => jobDone.with(ev.data));
fan.handle([jobDone], async (ctx, ev) => {
  const s = ctx.state;
  s.sum += ev.data;
  if (++s.count === s.n) return stop.with(s.sum);
});

export const workflowCore: Workload = {
  name: "workflow-core",
  async chain() {
    const { stream, sendEvent } = chain.createContext();
    sendEvent(begin.with(0));
    check("workflow-core chain", await untilStop(stream, end), 10);
  },
  async fanout(n) {
    const { stream, sendEvent } = fan.createContext({ n });
    sendEvent(start.with(n));
    check(`workflow-core fan-out ${n}`, await untilStop(stream, stop), fanoutSum(n));
  },
};
