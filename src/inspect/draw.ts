import type { WorkflowDefinition } from "../definition/types.js";
import { WorkflowError } from "../errors.js";
import type { WorkflowHandler } from "../runtime/handler.js";
import { toMermaid } from "./mermaid.js";

const escapeHtml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The Mermaid renderer, to inline: the page must render offline (no CDN). */
async function mermaidScript(): Promise<string> {
  // Node modules are loaded here, not at the top: stepchart/inspect also runs in browsers.
  const { createRequire } = await import("node:module");
  const { readFile } = await import("node:fs/promises");
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve("mermaid/dist/mermaid.min.js");
  } catch {
    throw new WorkflowError(
      "MISSING_DEPENDENCY",
      "Drawing to HTML inlines the Mermaid renderer: install it with `npm install --save-dev mermaid`",
    );
  }
  // A `</script` inside the code would end the page's script element early.
  return (await readFile(path, "utf8")).replace(/<\/script/gi, "<\\/script");
}

/** A self-contained page that renders `diagram` with Mermaid, offline. */
export async function mermaidPage(title: string, diagram: string): Promise<string> {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
  h1 { font-size: 1.2rem; font-weight: 600; }
  details { margin-top: 2rem; color: #555; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<pre class="mermaid">
${escapeHtml(diagram)}
</pre>
<details><summary>Mermaid source</summary><pre>${escapeHtml(diagram)}</pre></details>
<script>${await mermaidScript()}</script>
<script>mermaid.initialize({ startOnLoad: true, securityLevel: "strict", flowchart: { htmlLabels: false } });</script>
</body>
</html>
`;
}

/**
 * Writes a self-contained HTML page that draws every possible flow of a workflow (the
 * {@link toMermaid} diagram of its definition), rendered in the browser by Mermaid, which the page
 * carries inline: it opens offline, from disk, with no CDN. Needs the `mermaid` package installed.
 *
 * @example
 * ```ts
 * import { drawAllPossibleFlows } from "stepchart/inspect";
 * await drawAllPossibleFlows(approval, "approval.html"); // open it in a browser
 * ```
 */
export async function drawAllPossibleFlows(
  workflow: { readonly definition: WorkflowDefinition },
  file: string,
): Promise<void> {
  const page = await mermaidPage(`${workflow.definition.name}: all possible flows`, toMermaid(workflow));
  await (await import("node:fs/promises")).writeFile(file, page);
}

/**
 * Writes a self-contained HTML page that draws a run's most recent execution (the
 * {@link toMermaid} diagram of its handler: every step invocation, numbered), like
 * {@link drawAllPossibleFlows}.
 *
 * @example
 * ```ts
 * const handler = approval.run({ topic: "tea" });
 * // ... answer its prompt, await it ...
 * await drawMostRecentExecution(handler, "run.html");
 * ```
 */
export async function drawMostRecentExecution(handler: WorkflowHandler<unknown, never>, file: string): Promise<void> {
  const page = await mermaidPage(`run ${handler.runId}`, toMermaid(handler));
  await (await import("node:fs/promises")).writeFile(file, page);
}
