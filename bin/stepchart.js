#!/usr/bin/env node
// The `stepchart` command: the built CLI (dist/cli.js), or, in a clone of the repository that has
// not been built, its TypeScript source through tsx.
import { existsSync } from "node:fs";

const built = new URL("../dist/cli.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import(new URL("../src/cli/main.ts", import.meta.url).href);
}
