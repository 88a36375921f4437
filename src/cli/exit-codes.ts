import type { RunStatus } from "../persistence/snapshot.js";

/**
 * What `stepchart` exits with, so a script can tell how a run ended (documented in docs/cli.md):
 * 0 completed, 1 failed, 2 timed out, 3 cancelled, 4 left waiting for input (in a store), 64 a
 * usage error (bad arguments, a file with no workflow), 70 an error of stepchart itself.
 */
export const EXIT = {
  completed: 0,
  failed: 1,
  timedOut: 2,
  cancelled: 3,
  waiting: 4,
  usage: 64,
  internal: 70,
} as const;

/** The exit code of a run that stopped in `status` (a run left running in a store is "waiting"). */
export function exitCodeOf(status: RunStatus | "interrupted"): number {
  switch (status) {
    case "completed":
      return EXIT.completed;
    case "failed":
      return EXIT.failed;
    case "timedOut":
      return EXIT.timedOut;
    case "cancelled":
      return EXIT.cancelled;
    default:
      return EXIT.waiting;
  }
}
