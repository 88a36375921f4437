import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * `stepchart run` and `runs resume` through a real pseudo-terminal: a tmux pane is the user's
 * terminal (a TTY on both ends, so the live display and the prompts are on), keys are typed into
 * it, and what it shows is read back with `capture-pane`, polled until the text is there.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const tmuxPath = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), "stepchart-cli-tty-"));
// A private server, its socket in the test's directory (removed with it: nothing is left in /tmp/tmux-*).
const socket = join(dir, "tmux.sock");
const stepchart = "node --import tsx src/cli/main.ts";
const SPINNER = /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/;

function tmux(...args: string[]): string {
  // UTF-8 whatever the CI's locale (-u, LC_CTYPE): the display draws spinners and check marks.
  return execFileSync(tmuxPath as string, ["-u", "-S", socket, ...args], {
    encoding: "utf8",
    env: { ...process.env, LC_CTYPE: "C.UTF-8" },
  });
}

/** What the pane shows, wrapped lines joined. */
const screen = () => tmux("capture-pane", "-p", "-J", "-t", "cli");

/** Polls the pane until `pattern` shows (no fixed sleeps); returns the screen then. */
async function waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const shown = screen();
    if (pattern.test(shown)) return shown;
    if (Date.now() > deadline) throw new Error(`The terminal never showed ${pattern}; it shows:\n${shown}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Types `text` and Enter, as a person would. */
function type(text: string): void {
  tmux("send-keys", "-t", "cli", "-l", text);
  tmux("send-keys", "-t", "cli", "Enter");
}

let commands = 0;

/**
 * Clears the pane and runs a shell command that prints its exit code after it, under a number of
 * its own (the previous command's code may still show until `clear` ran).
 */
function command(line: string): void {
  commands++;
  tmux("send-keys", "-t", "cli", "-l", `clear; ${line}; echo "EXIT${commands}=$?"`);
  tmux("send-keys", "-t", "cli", "Enter");
}

/** The exit code the pane printed for the last command, once it did. */
async function exitCode(): Promise<number> {
  const printed = new RegExp(`EXIT${commands}=(\\d+)`);
  return Number(printed.exec(await waitFor(printed))?.[1]);
}

const input = `--input '{"topic":"tea"}'`;
const approval = "test/cli/fixtures/approval.ts";

describe.skipIf(!tmuxPath)(
  `stepchart in a terminal (tmux)${tmuxPath ? "" : ": skipped, tmux is not installed"}`,
  { timeout: 90_000 },
  () => {
    beforeAll(() => {
      // A terminal of a developer's machine: no CI, no model.
      const clean = ["CI", "OPENAI_API_KEY", "OPENAI_BASE_URL", "STEPCHART_MODEL"].flatMap((name) => ["-u", name]);
      tmux(
        "new-session",
        "-d",
        "-s",
        "cli",
        "-x",
        "220",
        "-y",
        "40",
        "-c",
        root,
        "env",
        ...clean,
        "PS1=$ ",
        "LC_CTYPE=C.UTF-8",
        "bash",
        "--norc",
        "--noprofile",
      );
    });

    afterAll(() => {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it("shows a step in flight with a spinner, each finished step with its duration, asks the prompt, and the typed answer completes the run", async () => {
      command(`STEPCHART_TEST_PREPARE_MS=1500 ${stepchart} run ${approval} ${input}`);
      await waitFor(new RegExp(`${SPINNER.source} prepare \\d+(ms|\\.\\ds)`));
      const asked = await waitFor(/Ship it\?\n.*Enter to send/);
      expect(asked).toMatch(/✔ prepare \d+\.\ds → Drafted/); // 1.5 s, more on a loaded machine
      expect(asked).toMatch(/✔ ask \d+ms → InputRequiredEvent/);
      expect(asked).toContain("draft: Announcing tea");
      type("yes");
      expect(await exitCode()).toBe(0);
      const done = screen();
      expect(done).toMatch(/✔ decide \d+ms → StopEvent/);
      expect(done).toMatch(/✔ completed in /);
      expect(done).toContain('"shipped": true');
      // The live region is gone: no spinner is left on the screen.
      expect(done).not.toMatch(SPINNER);
    });

    it("streams tokens as they arrive, under the step's spinner, then the result", async () => {
      command(`STEPCHART_TEST_TOKEN_MS=400 ${stepchart} run test/cli/fixtures/tokens.ts`);
      // Part of the text, while the step is still running.
      await waitFor(new RegExp(`${SPINNER.source} generate .*\\n {2}state charts\\n`));
      expect(await exitCode()).toBe(0);
      const done = screen();
      expect(done).toMatch(/^ {2}state charts rule$/m);
      expect(done).toMatch(/✔ generate \d+\.\ds → StopEvent/); // 3 tokens 400 ms apart
    });

    it("Ctrl-C at the prompt detaches a stored run (exit 4); runs resume in the same terminal asks again and finishes it", async () => {
      const store = `sqlite:${join(dir, "runs.db")}`;
      command(`${stepchart} run ${approval} ${input} --store ${store} --run-id tea-1`);
      await waitFor(/Ship it\?\n.*Enter to send/);
      tmux("send-keys", "-t", "cli", "C-c");
      expect(await exitCode()).toBe(4);
      const detached = screen();
      expect(detached).toContain(`Detached run tea-1; it is saved in ${store}.`);
      expect(detached).toContain(`Continue it with:  stepchart runs resume tea-1 --store ${store} --file ${approval}`);

      command(`${stepchart} runs resume tea-1 --store ${store} --file ${approval}`);
      const asked = await waitFor(/Ship it\?\n.*Enter to send/);
      expect(asked).toContain("approval resuming tea-1");
      type("yes");
      expect(await exitCode()).toBe(0);
      expect(screen()).toContain('"answer": "yes"');
    });

    it("closes a prompt another shell answered (runs send), and asks the run's next one", async () => {
      const store = `sqlite:${join(dir, "runs.db")}`;
      const file = "test/cli/fixtures/revise.ts";
      command(`${stepchart} run ${file} ${input} --store ${store} --run-id rv-1`);
      await waitFor(/Round 1: approve\?\n.*Enter to send/);
      const sent = await promisify(execFile)(
        process.execPath,
        [
          "--import",
          "tsx",
          "src/cli/main.ts",
          "runs",
          "send",
          "rv-1",
          "--store",
          store,
          "--file",
          file,
          "-r",
          "shorter",
        ],
        { cwd: root, env: { ...process.env, CI: "1" } },
      );
      expect(sent.stdout).toContain("A process holds the run: it takes the event at its next lease renewal.");
      // Taken at the runner's next renewal (a few seconds): the old prompt closes, the next is asked.
      const asked = await waitFor(/The prompt was answered elsewhere\.[\s\S]*Round 2: approve\?\n.*Enter to send/);
      expect(asked).toMatch(/✔ review \d+ms → Revise/);
      type("yes");
      expect(await exitCode()).toBe(0);
      expect(screen()).toMatch(/"answers": \[\s*"shorter",\s*"yes"\s*\]/);
    });

    it("Ctrl-C while a step runs detaches a stored run; without a store it cancels it (exit 3)", async () => {
      const store = `sqlite:${join(dir, "runs.db")}`;
      command(`STEPCHART_TEST_PREPARE_MS=60000 ${stepchart} run ${approval} ${input} --store ${store} --run-id tea-2`);
      await waitFor(new RegExp(`${SPINNER.source} prepare`));
      tmux("send-keys", "-t", "cli", "C-c");
      expect(await exitCode()).toBe(4);
      expect(screen()).toContain("Detached run tea-2");

      // `prepare` was stopped mid-way: it runs again on resume (300ms now), then the prompt.
      command(`${stepchart} runs resume tea-2 --store ${store} --file ${approval}`);
      await waitFor(/Ship it\?\n.*Enter to send/);
      type("no");
      expect(await exitCode()).toBe(0);
      expect(screen()).toContain('"shipped": false');

      command(`STEPCHART_TEST_PREPARE_MS=60000 ${stepchart} run ${approval} ${input}`);
      await waitFor(new RegExp(`${SPINNER.source} prepare`));
      tmux("send-keys", "-t", "cli", "C-c");
      expect(await exitCode()).toBe(3);
      expect(screen()).toMatch(/■ cancelled in /);
    });
  },
);
