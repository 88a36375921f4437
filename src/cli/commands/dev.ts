import type { Command } from "commander";
import { runDev } from "../dev/run-dev.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage-error.js";

/** A port number, 0 for any free port. */
function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) throw new UsageError(`--port takes 0 to 65535, not "${value}"`);
  return port;
}

/** `stepchart dev <file...>`: see docs/cli.md. */
export function registerDev(program: Command, io: CliIo, exit: (code: number) => void): void {
  program
    .command("dev <files...>")
    .description("serve a local page to start, watch and answer runs")
    .option("--port <port>", "port to listen on (0: any free port)", parsePort, 0)
    .option("--host <host>", "address to listen on (no auth: keep it local)", "127.0.0.1")
    .option("--store <store>", "keep runs in sqlite:<path> or a postgres:// URL")
    .action(async (files: string[], opts: { port: number; host: string; store?: string }) => {
      await runDev({ files, port: opts.port, host: opts.host, store: opts.store }, io, exit);
    });
}
