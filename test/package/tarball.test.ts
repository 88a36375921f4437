/**
 * What the published tarball holds (`npm pack` of the last build): the license, the README and
 * the docs; source maps that carry their sources (the src/ they name is not shipped); zod and
 * xstate as peers the app controls. publint and attw check the rest in CI (.ci/run).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Packed, packTarball } from "./packed-app.js";

const root = fileURLToPath(new URL("../../", import.meta.url));

let packed: Packed;
beforeAll(() => {
  packed = packTarball();
}, 60_000);
afterAll(() => packed?.dispose());

const read = (path: string) => readFileSync(join(packed.extracted, path), "utf8");
const manifest = () => JSON.parse(read("package.json")) as Record<string, Record<string, unknown> | undefined>;

describe("the tarball", () => {
  it("ships the license, the README and every doc with the images its pages show, not the sources", () => {
    const docs = readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md"));
    expect(docs.length).toBeGreaterThan(0);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "README.md",
        "package.json",
        "bin/stepchart.js",
        ...docs.map((f) => `docs/${f}`),
      ]),
    );
    const outside = packed.files.filter((f) => !/^(dist|docs|bin)\/|^(LICENSE|README\.md|package\.json)$/.test(f));
    expect(outside).toEqual([]);
    // Every image a shipped page links to is shipped with it (a broken image otherwise).
    const images = docs.flatMap((f) =>
      [...readFileSync(join(root, "docs", f), "utf8").matchAll(/\]\((images\/[^)\s]+)\)/g)].map((m) => `docs/${m[1]}`),
    );
    expect(images.length).toBeGreaterThan(0);
    expect(packed.files).toEqual(expect.arrayContaining(images));
  });

  it("is MIT licensed, in package.json and in LICENSE, and says where the project lives", () => {
    const pkg = manifest();
    expect(pkg.license).toBe("MIT");
    expect(read("LICENSE")).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} stepchart contributors\n/);
    expect(pkg.repository).toMatchObject({ type: "git", url: expect.stringMatching(/^git\+https:\/\//) });
    expect(pkg.homepage).toEqual(expect.stringMatching(/^https:\/\//));
    expect(pkg.bugs).toMatchObject({ url: expect.stringMatching(/^https:\/\//) });
  });

  it("ships each source map with the code it maps: one map per file, its sources inside", () => {
    const js = packed.files.filter((f) => f.endsWith(".js") && f.startsWith("dist/"));
    const maps = packed.files.filter((f) => f.endsWith(".map"));
    expect(js.length).toBeGreaterThan(0);
    const named = js.map((file) => {
      const comments = [...read(file).matchAll(/^\/\/# sourceMappingURL=(.+)$/gm)].map((m) => m[1]);
      expect({ file, comments }).toEqual({ file, comments: [`${file.split("/").at(-1)}.map`] });
      return `${file}.map`;
    });
    expect(maps.sort()).toEqual(named.sort());
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(read(map)) as { sources: string[]; sourcesContent?: unknown[] };
      const withoutContent = sources.filter((_, i) => typeof sourcesContent?.[i] !== "string");
      expect({ map, withoutContent }).toEqual({ map, withoutContent: [] });
    }
  });

  it("leaves zod and xstate to the app: required peers, not dependencies", () => {
    const pkg = manifest();
    expect(pkg.dependencies).not.toHaveProperty("zod");
    expect(pkg.dependencies).not.toHaveProperty("xstate");
    // zod 3.25 ships zod 4 as "zod/v4", which is what stepchart imports; both are tested (zod-peer.test.ts).
    expect(pkg.peerDependencies).toMatchObject({ zod: "^3.25.76 || ^4.0.0", xstate: "^5.33.3" });
    expect(pkg.peerDependenciesMeta).not.toHaveProperty("zod");
    expect(pkg.peerDependenciesMeta).not.toHaveProperty("xstate");
  });
});
