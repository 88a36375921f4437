import type { Command } from "commander";
import type { CliIo } from "../io.js";

/** `stepchart run <file>`: see docs/cli.md. */
export function registerRun(program: Command, _io: CliIo, _exit: (code: number) => void): void {
  program.command("run <file>").description("run a workflow a file exports, with live progress");
}
