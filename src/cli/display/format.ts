/** Text shared by the displays: durations, values on one line, results on several. */

/** `312ms`, `4.2s`, `3m05s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, "0")}s`;
}

/** A value on one line, cut to `max` characters: strings as they are, anything else as JSON. */
export function oneLine(value: unknown, max = 200): string {
  const text = printable(typeof value === "string" ? value : (JSON.stringify(value) ?? String(value)));
  const flat = text.replace(/\s*\n\s*/g, " ");
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * Text from a run (a model's tokens, a prompt, a result) as the terminal may show it: control
 * characters but newline and tab become "�", so no escape sequence in the data can move the
 * cursor, recolour or retitle the terminal, or hide what was printed.
 */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, "\uFFFD");
}

/** A run's result for a person: a string as it is, anything else as indented JSON. */
export function formatResult(value: unknown): string {
  if (typeof value === "string") return printable(value);
  return JSON.stringify(value, null, 2) ?? String(value);
}

/** An event's fields without its type, for a line that names the type already. */
export function fieldsOf(event: { readonly type: string }): Record<string, unknown> {
  const { type: _type, ...fields } = event as Record<string, unknown>;
  return fields;
}
