import { fromCallback } from "xstate";
import { clearTimer, setTimer } from "../internal/timer.js";
import { internal, seal } from "../kernel/protocol.js";

/** The key of the run clock's actor logic in `setup({ actors })`, and the id of its actor. */
export const RUN_CLOCK = "stepchart.clock";

/** The run clock's input: the absolute deadline (ms since the epoch). */
export interface RunClockInput {
  readonly deadline: number;
}

/**
 * The run timer of the statechart shape, as an invoked actor: XState persists an invoked actor
 * with its input and starts it again when a snapshot is restored, so a plain
 * `createActor(machine, { snapshot })` re-arms the timer by itself (XState's delayed events are
 * not persisted). It sends `stepchart.timeout` when the deadline passes.
 */
export const runClock = fromCallback<never, RunClockInput>(({ input, sendBack }) => {
  const timer = setTimer(() => sendBack(seal({ type: internal.timeout })), Math.max(0, input.deadline - Date.now()));
  return () => clearTimer(timer);
});
