import type { Command } from "commander";
import type { CliIo } from "../io.js";
import { addResumeCommand } from "./resume.js";

/** `stepchart runs list | show | send | resume`: see docs/cli.md. */
export function registerRuns(program: Command, io: CliIo, exit: (code: number) => void): void {
  const runs = program.command("runs").description("operate the runs kept in a store");
  addResumeCommand(runs, io, exit);
}
