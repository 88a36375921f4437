import { writeFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { mermaidPage } from "../../inspect/draw.js";
import { drawAllPossibleFlows, toMermaid } from "../../inspect/index.js";
import type { CliIo } from "../io.js";
import { type AnyWorkflow, loadWorkflows, pickWorkflow } from "../load.js";
import { UsageError } from "../usage-error.js";

const FORMATS = ["mermaid", "html", "json"] as const;
type Format = (typeof FORMATS)[number];

/** What `--out` names, when `--format` does not say. */
const byExtension: Record<string, Format> = { ".html": "html", ".htm": "html", ".json": "json" };

/** `stepchart draw <file>`: see docs/cli.md. */
export function registerDraw(program: Command, io: CliIo, _exit: (code: number) => void): void {
  program
    .command("draw <file>")
    .description(
      "draw a workflow a file exports: Mermaid text, an HTML page that renders offline, or its statechart JSON",
    )
    .option("-w, --workflow <name>", "which of the file's workflows (an export name or a workflow name)")
    .addOption(
      new Option(
        "--format <format>",
        "mermaid (toMermaid), html (drawAllPossibleFlows; needs mermaid installed) or json (toStatechart's config, for Stately's editor) (default: from --out's extension, else mermaid)",
      ).choices(FORMATS),
    )
    .option("-o, --out <path>", "write to this file instead of stdout")
    .action(async (file: string, options: { workflow?: string; format?: Format; out?: string }) => {
      const wf = pickWorkflow(await loadWorkflows(resolve(io.cwd, file)), options.workflow);
      const format = options.format ?? byExtension[extname(options.out ?? "").toLowerCase()] ?? "mermaid";
      if (options.out === undefined) {
        if (format === "html" && io.stdout.isTTY)
          throw new UsageError("An HTML page carries the Mermaid renderer (about 3 MB): write it with --out page.html");
        io.stdout.write(await drawing(wf, format));
        return;
      }
      const out = resolve(io.cwd, options.out);
      try {
        if (format === "html") await drawAllPossibleFlows(wf, out);
        else await writeFile(out, await drawing(wf, format));
      } catch (error) {
        // A path the file system refuses (no such directory, no permission) is the user's to fix.
        const { code, syscall } = error as NodeJS.ErrnoException;
        if (typeof syscall === "string") throw new UsageError(`--out ${options.out}: cannot write it (${code})`);
        throw error;
      }
      io.stdout.write(`Wrote ${options.out} (${wf.definition.name}, ${format})\n`);
    });
}

/** The drawing as text; Mermaid and JSON as `npm run machines` writes them to machines/ (`.mmd`, `.view.json`). */
async function drawing(wf: AnyWorkflow, format: Format): Promise<string> {
  if (format === "json") return `${JSON.stringify(wf.toStatechart().config, null, 2)}\n`;
  if (format === "html") return mermaidPage(`${wf.definition.name}: all possible flows`, toMermaid(wf));
  return `${toMermaid(wf)}\n`;
}
