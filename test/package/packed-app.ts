/**
 * The package as it would be published, in a throwaway app. `packTarball()` runs `npm pack` on this
 * repository (so the tarball holds what `files` names and what the last `npm run build` made: CI
 * builds before it tests). `appWith(packed, links)` makes an app in the OS temp directory whose
 * node_modules holds the extracted tarball as `stepchart`, its runtime dependencies, and `links`:
 * modules of this repository's node_modules under the name the app imports (`zod` can be the
 * `zod3` alias, zod 3.25). `runModule` runs an ES module there in Node; `typecheck` runs tsc.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const modules = join(root, "node_modules");

export interface Packed {
  /** The tarball's path. */
  readonly tarball: string;
  /** The paths it holds, relative to the package (`dist/index.js`). */
  readonly files: readonly string[];
  /** Where the tarball was extracted (the package as an app installs it). */
  readonly extracted: string;
  /** Removes the tarball, its extraction and every app made from it. */
  dispose(): void;
}

/** Packs the repository into a new temporary directory and extracts the tarball there. */
export function packTarball(): Packed {
  if (!existsSync(join(root, "dist", "index.js")))
    throw new Error("dist/ is missing: run `npm run build` before these tests (the tarball ships dist/)");
  const dir = mkdtempSync(join(tmpdir(), "stepchart-pack-"));
  const pack = spawnSync("npm", ["pack", "--json", "--pack-destination", dir], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, npm_config_loglevel: "error" },
  });
  if (pack.status !== 0) throw new Error(`npm pack exited with ${pack.status}: ${pack.stderr}`);
  const [report] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  if (!report) throw new Error(`npm pack printed no report: ${pack.stdout}`);
  const tarball = join(dir, report.filename);
  const untar = spawnSync("tar", ["-xzf", tarball, "-C", dir], { encoding: "utf8" });
  if (untar.status !== 0) throw new Error(`tar exited with ${untar.status}: ${untar.stderr}`);
  return {
    tarball,
    files: report.files.map((f) => f.path),
    extracted: join(dir, "package"),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * An app whose node_modules holds a copy of the packed package (a copy, not a link: Node resolves
 * a module's imports from its real path, and stepchart's must resolve to the app's zod), its
 * runtime dependencies and `links` (app name → name in this repository's node_modules).
 */
export function appWith(packed: Packed, name: string, links: Readonly<Record<string, string>>): string {
  const home = join(dirname(packed.tarball), name);
  const nodeModules = join(home, "node_modules");
  mkdirSync(nodeModules, { recursive: true });
  cpSync(packed.extracted, join(nodeModules, "stepchart"), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(packed.extracted, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const runtime = Object.fromEntries(Object.keys(manifest.dependencies ?? {}).map((dep) => [dep, dep]));
  for (const [as, from] of Object.entries({ ...runtime, ...links })) {
    mkdirSync(dirname(join(nodeModules, as)), { recursive: true });
    symlinkSync(join(modules, from), join(nodeModules, as), "dir");
  }
  writeFileSync(join(home, "package.json"), JSON.stringify({ name, private: true, type: "module" }));
  return home;
}

/** Runs `code` as `main.mjs` in the app; returns the JSON its last line printed. */
export function runModule(home: string, code: string): unknown {
  writeFileSync(join(home, "main.mjs"), code);
  const result = spawnSync(process.execPath, ["main.mjs"], { cwd: home, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`node exited with ${result.status}: ${result.stderr}`);
  const last = result.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(last);
}

/**
 * Type-checks `code` as `main.ts` in the app with this repository's TypeScript, libraries
 * included (`skipLibCheck: false`: a type the shipped declarations name must exist in the app's
 * zod). Returns tsc's exit status and output.
 */
export function typecheck(home: string, code: string): { status: number | null; output: string } {
  writeFileSync(join(home, "main.ts"), code);
  const compilerOptions = {
    target: "ES2022",
    lib: ["ES2023"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    skipLibCheck: false,
    types: ["node"],
  };
  writeFileSync(join(home, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["main.ts"] }));
  const tsc = join(modules, "typescript", "bin", "tsc");
  const result = spawnSync(process.execPath, [tsc, "-p", home], { cwd: home, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
