#!/usr/bin/env node
// The `stepchart` command. In a clone of the repository (src/ is there and tsx resolves), the
// TypeScript sources through tsx, so a dist/ built once and forgotten never runs stale code; in
// the published package (no src/), the built CLI, dist/cli.js.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
const tsx = existsSync(sources) ? await import("tsx/esm/api").catch(() => undefined) : undefined;
if (tsx) {
  tsx.register();
  await import(sources.href);
} else {
  await import(new URL("../dist/cli.js", import.meta.url).href);
}
