/**
 * The package as it ships, installed in a temporary app: `buildPackage()` builds it with the
 * project's own tsup config into a temporary directory, `app(name, deps)` makes an app whose
 * node_modules holds it beside its two dependencies and `deps` (the optional peers to install),
 * and `runIn` runs an ES module there in a real Node process. Used to test what an app sees when
 * an optional peer is missing.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "tsup";
import config from "../../tsup.config.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

/** Builds the package into a new temporary directory; `dispose` removes it. */
export async function buildPackage(): Promise<{ dir: string; dispose(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "stepchart-peers-"));
  const shipped = Array.isArray(config) ? config[0] : config;
  await build({
    ...(shipped as object),
    config: false,
    outDir: join(dir, "dist"),
    dts: false,
    sourcemap: false,
    silent: true,
  });
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An app directory whose node_modules holds the built package and `deps`, linked from this repo. */
export function app(dir: string, name: string, deps: string[]): string {
  const home = join(dir, name);
  mkdirSync(join(home, "node_modules", "stepchart"), { recursive: true });
  copyFileSync(join(root, "package.json"), join(home, "node_modules", "stepchart", "package.json"));
  // A copy, not a link: Node resolves a module's imports from its real path.
  cpSync(join(dir, "dist"), join(home, "node_modules", "stepchart", "dist"), { recursive: true });
  // The package's dependencies and peers, and what the test adds.
  for (const dep of ["zod", "xstate", "@noble/hashes", ...deps]) {
    mkdirSync(dirname(join(home, "node_modules", dep)), { recursive: true });
    symlinkSync(join(root, "node_modules", dep), join(home, "node_modules", dep));
  }
  return home;
}

/** Runs an ES module in the app directory and returns what it printed, as JSON. */
export function runIn(home: string, code: string): unknown {
  const result = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: home, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
