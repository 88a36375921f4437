import type { Readable, Writable } from "node:stream";
import { isCancel, text } from "@clack/prompts";
import type { AnyEvent } from "../events/types.js";
import { printable } from "./display/format.js";
import type { CliIo } from "./io.js";

/**
 * Asks a run's prompt (an InputRequiredEvent) at the terminal and resolves to the person's answer,
 * or to `undefined` when they gave none: Ctrl-C or Escape (the prompt holds the terminal in raw
 * mode, so Ctrl-C comes here as a key, not as SIGINT), or `signal` aborted it.
 */
export async function askAtTerminal(io: CliIo, prompt: AnyEvent, signal: AbortSignal): Promise<string | undefined> {
  const message =
    typeof prompt.prefix === "string" && prompt.prefix.trim() !== "" ? printable(prompt.prefix.trim()) : "Input";
  // clack leaves its abort listener on the signal, and closes the prompt again (writing a line) if
  // it aborts later: the prompt gets a signal of its own, aborted only while it is asked.
  const asking = new AbortController();
  const stop = () => asking.abort();
  signal.addEventListener("abort", stop, { once: true });
  if (signal.aborted) stop();
  const answer = await text({
    message,
    placeholder: "type your answer, Enter to send (Ctrl-C to stop)",
    // CliIo names the streams by their interfaces; they are the process's (or a test's) streams.
    input: io.stdin as unknown as Readable,
    output: io.stdout as unknown as Writable,
    signal: asking.signal,
  }).finally(() => signal.removeEventListener("abort", stop));
  if (isCancel(answer)) return undefined;
  return answer ?? "";
}
