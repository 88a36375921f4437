import type { Command } from "commander";
import type { CliIo } from "../io.js";

/** `stepchart runs resume <id> | --interrupted`: see docs/cli.md. */
export function addResumeCommand(runs: Command, _io: CliIo, _exit: (code: number) => void): void {
  runs.command("resume [id]").description("continue a stored run here, with the same live display as run");
}
