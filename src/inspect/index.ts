/**
 * `stepchart/inspect`: seeing workflows. Drawings of a definition for now; run traces and the
 * Stately inspector bridge come next.
 *
 * @module
 */
export { toMermaid } from "./mermaid.js";
