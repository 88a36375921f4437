/**
 * The `stepchart` command (bin/stepchart.js starts it). Everything is in program.ts; this file only
 * runs it on the process and exits with its code.
 */
import { processIo } from "./io.js";
import { runCli } from "./program.js";

process.exitCode = await runCli(process.argv.slice(2), processIo());
