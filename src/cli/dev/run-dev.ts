import { detachRuns, resumeInterrupted, serve } from "../../server/index.js";
import { printable } from "../display/format.js";
import { EXIT } from "../exit-codes.js";
import { allowedHosts, isLoopback } from "../hosts.js";
import type { CliIo } from "../io.js";
import { loadFiles } from "../load.js";
import { type OpenedStore, openStore } from "../store-arg.js";
import { createDevApp, type DevApp } from "./dev-app.js";

/** What `stepchart dev` was given. */
export interface DevOptions {
  readonly files: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly store?: string | undefined;
  /** Resolves when the server should stop; by default, the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
}

/** The first SIGINT or SIGTERM (`next`), its listeners removed once it came or on `dispose`. */
function signalled(): { next: Promise<NodeJS.Signals>; dispose(): void } {
  let on: (signal: NodeJS.Signals) => void = () => undefined;
  const dispose = () => {
    process.off("SIGINT", on);
    process.off("SIGTERM", on);
  };
  const next = new Promise<NodeJS.Signals>((resolve) => {
    on = (signal) => {
      dispose();
      resolve(signal);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
  return { next, dispose };
}

/**
 * Runs without a store live in this process only: they are cancelled at shutdown, so none keeps
 * the process alive, and each ends as cancelled rather than mid-step.
 */
async function cancelHeldRuns(app: DevApp): Promise<void> {
  // A loopback name: the app answers loopback host names only when it listens on loopback.
  const list = await app.fetch(new Request("http://localhost/handlers?status=running"));
  if (!list.ok) throw new Error(`listing the runs to cancel answered ${list.status}`);
  const { handlers } = (await list.json()) as { handlers: { handler_id: string }[] };
  await Promise.all(
    handlers.map((h) =>
      app.fetch(
        new Request(`http://localhost/handlers/${encodeURIComponent(h.handler_id)}/cancel`, { method: "POST" }),
      ),
    ),
  );
}

/** An error as the terminal shows it: its stack (this is the developer's own machine), else its text. */
const describeError = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

const urlHost = (host: string) => (host.includes(":") ? `[${host}]` : host);

/** `stepchart dev`: serves the page until a signal, then lets go of the runs and the store. */
export async function runDev(options: DevOptions, io: CliIo, exit: (code: number) => void): Promise<void> {
  const { workflows, resources } = await loadFiles(options.files, io.cwd);
  let opened: OpenedStore | undefined;
  if (options.store !== undefined) opened = await openStore(options.store);
  const signals = options.until ? undefined : signalled();
  const until = options.until ?? signals?.next;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  try {
    const hosts = allowedHosts(options.host);
    const app = createDevApp({
      workflows,
      // On loopback, only loopback names: a DNS-rebound site cannot reach the page's API.
      ...(hosts ? { hosts } : {}),
      ...(resources ? { resources } : {}),
      ...(opened ? { store: opened.store } : {}),
      onError: (error, request) =>
        io.stderr.write(
          printable(`stepchart dev: ${request.method} ${new URL(request.url).pathname}: ${describeError(error)}\n`),
        ),
    });
    server = await serve(app, { port: options.port, host: options.host });
    const names = Object.keys(workflows).join(", ");
    const kept = opened ? `, runs kept in ${opened.label}` : "";
    io.stdout.write(`stepchart dev: ${names} on http://${urlHost(server.host)}:${server.port}/${kept}\n`);
    if (!isLoopback(options.host))
      io.stderr.write(
        `stepchart dev: listening on ${options.host} with no auth: anyone who reaches it can run these workflows\n`,
      );
    if (opened) await resumeInterrupted(app);
    await until;
    await server.close();
    server = undefined;
    if (opened) await detachRuns(app);
    else await cancelHeldRuns(app);
    io.stdout.write("stepchart dev: stopped\n");
    exit(EXIT.completed);
  } finally {
    // On an error (a store that fails at start) too: nothing listens, no signal is swallowed.
    await server?.close();
    signals?.dispose();
    await opened?.close();
  }
}
