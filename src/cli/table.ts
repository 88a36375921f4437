import { stripVTControlCharacters } from "node:util";

/**
 * Rows as aligned columns, with a header: what `stepchart runs list` prints. Cells may carry
 * colour codes: widths are measured without them, so coloured and plain cells line up alike.
 * The last column is not padded (no trailing spaces for a reader that diffs the output).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], gap = 2): string {
  const width = (cell: string) => stripVTControlCharacters(cell).length;
  const widths = header.map((title, column) => Math.max(width(title), ...rows.map((row) => width(row[column] ?? ""))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : cell + " ".repeat((widths[column] ?? 0) - width(cell) + gap),
      )
      .join("");
  return [line(header), ...rows.map(line)].join("\n");
}
