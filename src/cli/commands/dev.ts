import type { Command } from "commander";
import type { CliIo } from "../io.js";

/** `stepchart dev <file...>`: see docs/cli.md. */
export function registerDev(program: Command, _io: CliIo, _exit: (code: number) => void): void {
  program.command("dev <files...>").description("serve a local page to start, watch and answer runs");
}
