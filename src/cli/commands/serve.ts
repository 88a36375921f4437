import type { Command } from "commander";
import type { CliIo } from "../io.js";

/** `stepchart serve <file...>`: see docs/cli.md. */
export function registerServe(program: Command, _io: CliIo, _exit: (code: number) => void): void {
  program.command("serve <files...>").description("serve the files' workflows over HTTP (stepchart/server)");
}
