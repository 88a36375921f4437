/**
 * The `stepchart` command (bin/stepchart.js starts it). Everything is in program.ts; this file only
 * runs it on the process and exits with its code.
 */
import { processIo } from "./io.js";
import { runCli } from "./program.js";

// A reader that went away (`stepchart run … --json | head -1`, or `2>&1 | head -1` for stderr) is not a failure of the command, nor
// a reason to stop it: a run in a store would be left mid-step. What is still written goes nowhere,
// and the command finishes as it would have, with its own exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    stream.write = discard;
  });
}

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// The command is done and has said so. Whatever a workflow's code left running (a step that
// ignored its abort signal and still holds a timer) must not keep the process: it ends on its
// own when nothing is left, and at the latest a second from now.
setTimeout(() => process.exit(code), 1000).unref();

/** A `write` that takes everything and writes nothing, calling back as a write that succeeded. */
function discard(_chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  const done = typeof encoding === "function" ? encoding : callback;
  if (typeof done === "function") queueMicrotask(() => done());
  return true;
}
