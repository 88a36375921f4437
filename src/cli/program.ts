import { Command, CommanderError } from "commander";
import { isWorkflowError } from "../errors.js";
import { registerDev } from "./commands/dev.js";
import { registerDraw } from "./commands/draw.js";
import { registerRun } from "./commands/run.js";
import { registerRuns } from "./commands/runs.js";
import { registerServe } from "./commands/serve.js";
import { printable } from "./display/format.js";
import { EXIT } from "./exit-codes.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./usage-error.js";

/** The `stepchart` program, writing to `io`; a command sets the exit code through `exit`. */
export function createProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = new Command("stepchart")
    .description("Run, serve, draw and watch stepchart workflows")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  registerRun(program, io, exit);
  registerRuns(program, io, exit);
  registerServe(program, io, exit);
  registerDraw(program, io, exit);
  registerDev(program, io, exit);
  return program;
}

/**
 * Runs the command line `argv` (without `node` and the script) and resolves to the exit code: what
 * the command set, 64 for a usage error, 70 for anything else (its message printed, no stack).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.completed;
  const program = createProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT.usage;
    // Messages may quote run data (a run id, a workflow's error): printed without control characters.
    if (error instanceof UsageError) {
      io.stderr.write(`stepchart: ${printable(error.message)}\n`);
      return EXIT.usage;
    }
    const message = isWorkflowError(error) ? `${error.code}: ${error.message}` : String(error);
    io.stderr.write(`stepchart: ${printable(message)}\n`);
    return isWorkflowError(error) && error.code === "MISSING_DEPENDENCY" ? EXIT.usage : EXIT.internal;
  }
}
