import type { Draft } from "./draft.js";

/**
 * Records op `op` of an invocation (ops are numbered by the step as they start) and journals its
 * result when it has one. `ops` becomes one past the highest op recorded, so a re-run skips every
 * op below it; a number with no journal entry below it is an op that never finished (a `ctx.run`).
 */
export function recordOp(d: Draft, id: number, op: number, result?: unknown): number {
  const inv = d.invocation(id);
  if (!inv) return -1;
  d.putInvocation({
    ...inv,
    ops: Math.max(inv.ops, op + 1),
    journal: result === undefined ? inv.journal : { ...inv.journal, [op]: result },
  });
  return op;
}
