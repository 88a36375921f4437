import { fromCallback } from "xstate";
import { clearTimer, now, setTimer } from "../internal/timer.js";
import { internal, seal } from "../kernel/protocol.js";

/** The key of the run clock's actor logic in `setup({ actors })`, and the id of its actor. */
export const RUN_CLOCK = "stepchart.clock";

/** The run clock's input: the absolute deadline (ms since the epoch); `null` while the timer is paused. */
export interface RunClockInput {
  readonly deadline: number | null;
}

/**
 * The run timer of the statechart shape, as an invoked actor: XState persists an invoked actor
 * with its input and starts it again when a snapshot is restored, so a plain
 * `createActor(machine, { snapshot })` re-arms the timer by itself (XState's delayed events are
 * not persisted). It sends `stepchart.timeout` when the deadline passes.
 */
export const runClock = fromCallback<never, RunClockInput>(({ input, sendBack }) => {
  // Paused (a prompt is pending and its wait does not count): nothing to arm. The machine invokes
  // the clock only while the timer runs, so this is a restore of an inconsistent snapshot at most.
  if (input.deadline === null) return;
  const timer = setTimer(() => sendBack(seal({ type: internal.timeout })), Math.max(0, input.deadline - now()));
  return () => clearTimer(timer);
});
