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

process.exitCode = await runCli(process.argv.slice(2), processIo());
