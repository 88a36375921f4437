import { chartScript } from "./script-chart.js";
import { formsScript } from "./script-forms.js";
import { runScript } from "./script-run.js";

/**
 * The dev page's script (/dev/app.js, a module: strict, and scoped to itself): plain DOM, no
 * library, so the page is small and loads nothing from anywhere but this origin.
 */
export function devScript(): string {
  return `// stepchart dev\n${chartScript}\n${formsScript}\n${runScript}`;
}
