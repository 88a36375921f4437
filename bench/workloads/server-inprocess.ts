/**
 * (g) The same load in-process, the baseline of the HTTP figures: `n` runs started with
 * `workflow.run()` in one loop, each read with `handler.streamEvents()` to its end, its prompt
 * answered with `handler.sendEvent`; every stream and result checked as over HTTP.
 */
import {
  checkStream,
  type Envelope,
  envelopeOf,
  HumanResponseEvent,
  InputRequiredEvent,
  type LoadFlow,
  TERMINAL,
} from "./server-flows.js";
import { type Hold, type Pass, type RunTiming, runPass } from "./server-pass.js";

async function driveInProcess(flow: LoadFlow, i: number, hold?: Hold): Promise<RunTiming> {
  const t0 = performance.now();
  const handler = flow.workflow.run(flow.input(i));
  const items: Envelope[] = [];
  let firstMs = Number.NaN;
  let resultMs = Number.NaN;
  for await (const event of handler.streamEvents()) {
    if (items.length === 0) firstMs = performance.now() - t0;
    items.push(envelopeOf(event));
    if (TERMINAL.has(event.type)) resultMs = performance.now() - t0;
    if (InputRequiredEvent.is(event)) {
      await hold?.arrive();
      handler.sendEvent(HumanResponseEvent({ response: flow.answer(i) }));
    }
  }
  checkStream(flow, i, items);
  const result = await handler;
  if (result !== flow.result(i)) throw new Error(`${flow.name} run ${i} in-process: result ${String(result)}`);
  return { firstMs, resultMs };
}

/** `n` runs of `flow` in this process, all started at once. */
export function inProcessPass(flow: LoadFlow, n: number, hold?: Hold): Promise<Pass> {
  return runPass(n, (i) => driveInProcess(flow, i, hold));
}
