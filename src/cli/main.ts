/**
 * The `stepchart` command (bin/stepchart.js starts it). Everything is in program.ts; this file only
 * runs it on the process and exits with its code.
 */
import { processIo } from "./io.js";
import { runCli } from "./program.js";

// A reader that went away (`stepchart draw … | head`) is not a failure of the command.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

const code = await runCli(process.argv.slice(2), processIo());
process.exitCode = code;
// The command is done and has said so. Whatever a workflow's code left running (a step that
// ignored its abort signal and still holds a timer) must not keep the process: it ends on its
// own when nothing is left, and at the latest a second from now.
setTimeout(() => process.exit(code), 1000).unref();
