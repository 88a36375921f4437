import type { Command } from "commander";
import type { CliIo } from "../io.js";

/** `stepchart draw <file>`: see docs/cli.md. */
export function registerDraw(program: Command, _io: CliIo, _exit: (code: number) => void): void {
  program.command("draw <file>").description("write the drawings of a file's workflows");
}
