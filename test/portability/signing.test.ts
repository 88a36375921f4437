/**
 * Snapshot signing with node:crypto where the runtime has it (found at run time, not imported)
 * and @noble/hashes elsewhere: the same HMAC-SHA256 bytes either way, so a snapshot signed by an
 * earlier stepchart (fixtures/signed-snapshot.json, written with node:crypto) still verifies, and
 * a signature is refused whatever way it is wrong. Each check runs on both implementations.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  builtinHmac,
  hmacHex,
  hmacMatches,
  hmacWith,
  nobleHmac,
  signingHmac,
} from "../../src/persistence/signature.js";
import { checkBeforeMigration, checkSnapshot } from "../../src/persistence/snapshot.js";

const nodeHmac = (secret: string, message: string) => createHmac("sha256", secret).update(message).digest("hex");

/** A waiting run signed with node:crypto's HMAC by the stepchart of before this change. */
const signedBefore = JSON.parse(readFileSync(new URL("./fixtures/signed-snapshot.json", import.meta.url), "utf8"));
const SECRET_BEFORE = "s3crét 🔑";

describe("the HMAC snapshots are signed with", () => {
  it("is node:crypto's on Node, found without importing it", () => {
    expect(builtinHmac()).toBeDefined();
    expect(signingHmac()).not.toBe(nobleHmac);
  });

  it("is @noble/hashes' where the runtime lends no node:crypto", () => {
    const refusing = () => {
      throw new Error("no such module");
    };
    for (const runtime of [{}, { process: {} }, { process: { getBuiltinModule: () => undefined } }])
      expect(builtinHmac(runtime)).toBeUndefined();
    expect(builtinHmac({ process: { getBuiltinModule: refusing } })).toBeUndefined();
    expect(builtinHmac({ process: { getBuiltinModule: () => ({}) } })).toBeUndefined();
    // A crypto whose createHmac cannot do SHA-256 (a FIPS build, a partial polyfill): found out once.
    const noSha256 = {
      createHmac: () => {
        throw new Error("Digest method not supported");
      },
    };
    expect(builtinHmac({ process: { getBuiltinModule: () => noSha256 } })).toBeUndefined();
  });
});

const node = builtinHmac();
if (!node) throw new Error("node:crypto's HMAC is not found on Node");
const implementations = [
  { name: "node:crypto", ...hmacWith(node) },
  { name: "@noble/hashes", ...hmacWith(nobleHmac) },
  { name: "the one in use", hex: hmacHex, matches: hmacMatches },
];

describe.each(implementations)("snapshot signatures, with $name", ({ hex: hmacHex, matches: hmacMatches }) => {
  it("are node:crypto's HMAC-SHA256 of the UTF-8 text, whatever the secret and message", () => {
    const awkward = ["", "k", "s3crét 🔑", "\ud800 lone surrogate", "x".repeat(200), '{"a":"\\u0000"}'];
    for (const secret of awkward)
      for (const message of awkward) expect(hmacHex(secret, message)).toBe(nodeHmac(secret, message));
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "binary" }), (secret, message) => {
        expect(hmacHex(secret, message)).toBe(nodeHmac(secret, message));
      }),
      { numRuns: 300 },
    );
  });

  it("match in either case of hex, and only the whole signature", () => {
    const good = nodeHmac("k", "m");
    expect(hmacMatches(good, "k", "m")).toBe(true);
    expect(hmacMatches(good.toUpperCase(), "k", "m")).toBe(true); // as node:crypto's hex decoding took it
    const refused = [
      "",
      good.slice(0, 62),
      `${good}00`,
      `${good}0`,
      `${good.slice(0, 62)}zz`,
      ` ${good}`,
      good.replace(/.$/, (c) => (c === "0" ? "1" : "0")),
    ];
    for (const signature of refused) expect(hmacMatches(signature, "k", "m"), signature).toBe(false);
  });
});

describe("snapshots signed before", () => {
  it("of a snapshot signed before still verify, and the snapshot is checked as before", () => {
    expect(() => checkBeforeMigration(signedBefore, SECRET_BEFORE)).not.toThrow();
    const checked = checkSnapshot(signedBefore, {
      workflow: "signed-before",
      definitionHash: signedBefore.definitionHash,
      secret: SECRET_BEFORE,
    });
    expect(checked.machine.context.state).toEqual({ topic: 'café ☕ 日本語 😀 "quoted" \\ <tag>' });
  });

  it("refuse a snapshot signed before once altered or checked with another secret", () => {
    const altered = structuredClone(signedBefore);
    altered.machine.context.state.topic = "cafe";
    expect(() => checkBeforeMigration(altered, SECRET_BEFORE)).toThrow(/signature does not match/);
    expect(() => checkBeforeMigration(signedBefore, "s3cret 🔑")).toThrow(/signature does not match/);
  });
});
