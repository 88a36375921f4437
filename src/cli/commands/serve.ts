import { type Command, InvalidArgumentError, Option } from "commander";
import { createServer, detachRuns, resumeInterrupted, serve } from "../../server/index.js";
import { printable } from "../display/format.js";
import { EXIT } from "../exit-codes.js";
import { allowedHosts, isLoopback } from "../hosts.js";
import type { CliIo } from "../io.js";
import { type AnyWorkflow, loadFiles } from "../load.js";
import { type OpenedStore, openStore } from "../store-arg.js";
import { UsageError } from "../usage-error.js";

interface ServeCommandOptions {
  port: number;
  host: string;
  store?: string;
  token: string[];
}

/** `stepchart serve <file...>`: see docs/cli.md. */
export function registerServe(program: Command, io: CliIo, exit: (code: number) => void): void {
  program
    .command("serve <files...>")
    .description("serve the files' workflows over HTTP (stepchart/server), each under its workflow name")
    .option("-p, --port <port>", "the port to listen on (0: a free one)", parsePort, 8000)
    .option("--host <host>", "the address to bind (set --token before binding beyond this machine)", "127.0.0.1")
    .option("-s, --store <store>", "keep runs in sqlite:<path> or a postgres:// URL (default: in memory)")
    .addOption(
      new Option("--token <token>", "require Authorization: Bearer <token> (repeat to accept several)")
        .env("STEPCHART_TOKEN")
        .argParser((token: string, previous: string[]) => [...previous, token])
        .default([]),
    )
    .action(async (files: string[], options: ServeCommandOptions) => {
      if (options.token.some((token) => token === ""))
        throw new UsageError("--token (or STEPCHART_TOKEN) is empty: give a secret, or unset STEPCHART_TOKEN");
      const { workflows, resources } = await loadFiles(files, io.cwd);
      const opened = options.store === undefined ? undefined : await openStore(options.store);
      try {
        await serveUntilSignal({ workflows, resources }, opened, options, io);
        exit(EXIT.completed);
      } finally {
        await opened?.close();
      }
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new InvalidArgumentError("a port is a number from 0 to 65535");
  return port;
}

async function serveUntilSignal(
  {
    workflows,
    resources,
  }: { workflows: Record<string, AnyWorkflow>; resources: Readonly<Record<string, unknown>> | undefined },
  opened: OpenedStore | undefined,
  options: ServeCommandOptions,
  io: CliIo,
): Promise<void> {
  const hosts = allowedHosts(options.host);
  const app = createServer({
    workflows,
    // On loopback, only loopback names: a DNS-rebound site cannot reach the server.
    ...(hosts ? { hosts } : {}),
    ...(resources ? { resources } : {}),
    ...(opened ? { store: opened.store } : {}),
    ...(options.token.length > 0 ? { auth: { bearer: options.token } } : {}),
    // A 5xx tells the caller nothing of the server's insides: the operator reads it here.
    onError: (error, request) =>
      io.stderr.write(
        printable(`stepchart: ${request.method} ${new URL(request.url).pathname}: ${describeError(error)}\n`),
      ),
  });
  const server = await serve(app, { port: options.port, host: options.host });
  const url = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
  // A store that fails here must not leave a server listening with nobody to stop it.
  const { resumed, skipped } = await resumeInterrupted(app).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  io.stdout.write(`stepchart serving ${Object.keys(workflows).join(", ")} on ${url}\n`);
  io.stdout.write(
    opened
      ? `  runs kept in ${opened.label}; resumed ${resumed.length} interrupted run(s)\n`
      : "  runs kept in memory (no --store): a restart forgets them\n",
  );
  io.stdout.write(`  try: curl ${url}/workflows   (the API: ${url}/openapi.json; Ctrl-C stops)\n`);
  for (const { runId, reason } of skipped)
    io.stderr.write(printable(`stepchart: left run ${runId} alone: ${reason}\n`));
  if (options.token.length === 0 && !isLoopback(options.host))
    io.stderr.write(`stepchart: warning: anyone who reaches ${url} can start and answer runs; set --token\n`);

  const signal = await nextSignal();
  // Stop taking requests first, so no run starts after the others are handed back.
  await server.close();
  const { detached, failed } = await detachRuns(app);
  for (const { runId, reason } of failed)
    io.stderr.write(printable(`stepchart: could not hand back run ${runId}: ${reason}\n`));
  io.stdout.write(`${signal}: stopped${opened ? `; ${detached.length} run(s) handed back to ${opened.label}` : ""}\n`);
}

const describeError = (error: unknown) =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);

/** The first SIGINT or SIGTERM; a second one while closing ends the process as Node would. */
function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      done(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}
