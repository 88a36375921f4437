#!/usr/bin/env node
// The `stepchart` command. In a clone of the repository (src/ is there and tsx resolves), the
// TypeScript sources through tsx, so a dist/ built once and forgotten never runs stale code; in
// the published package (no src/), the built CLI, dist/cli.js.
import { existsSync } from "node:fs";

const sources = new URL("../src/cli/main.ts", import.meta.url);
// Only a tsx that is not installed sends a clone to dist/: a tsx that fails to load says why.
const tsx = existsSync(sources)
  ? await import("tsx/esm/api").catch((error) => {
      if (error?.code === "ERR_MODULE_NOT_FOUND") return undefined;
      throw error;
    })
  : undefined;
if (tsx) {
  tsx.register();
  await import(sources.href);
} else {
  await import(new URL("../dist/cli.js", import.meta.url).href);
}
