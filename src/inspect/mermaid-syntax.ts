/** Mermaid's flowchart syntax: what the drawings of a workflow and of a run both write. */

/** Text Mermaid reads as it is; anything else is quoted (a name with `"`, `[`, `|` or `-->`). */
const plain = (text: string) => /^[\w .:/]*$/.test(text);
export const quoted = (text: string) => `"${text.replace(/"/g, "#quot;")}"`;

/** A node's label in brackets: `[name]`, or `["a [strange] name"]`. */
export function nodeLabel(text: string): string {
  return `[${plain(text) ? text : quoted(text)}]`;
}

/** An edge with a label: `a -- Type --> b` (dotted `a -. Type .-> b`), the label quoted when it must be. */
export function labelledEdge(from: string, label: string, to: string, dotted = false): string {
  if (!plain(label)) return `  ${from} ${dotted ? "-.->" : "-->"}|${quoted(label)}| ${to}`;
  return `  ${from} ${dotted ? "-." : "--"} ${label} ${dotted ? ".->" : "-->"} ${to}`;
}
