/**
 * Where a command reads and writes: the process's streams, or a test's. Commands never touch
 * `process.stdout` directly, so they can be driven in-process as well as through a terminal.
 */
export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
  /** The directory relative paths are read from. */
  readonly cwd: string;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}

/** A live display (spinner, progress, prompts) only on a terminal, and never when `CI` is set. */
export function isInteractive(io: CliIo): boolean {
  return io.stdout.isTTY === true && io.stdin.isTTY === true && !io.env.CI;
}
