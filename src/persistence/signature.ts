/**
 * HMAC-SHA256 for snapshot signing. The core runs in browsers and edge runtimes, so it imports no
 * node: module: node:crypto's HMAC, about ten times faster than plain JavaScript on a large
 * snapshot (and a workflow with a snapshot secret signs at every checkpoint), is looked up at run
 * time where the runtime has `process.getBuiltinModule`; elsewhere @noble/hashes computes the same
 * bytes. Web Crypto would do it too, but only asynchronously, and `handler.snapshot()` and
 * `wf.resume(snapshot)` are synchronous.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

/** @internal The HMAC-SHA256 of `message` under `secret`, both taken as UTF-8. */
export type HmacDigest = (secret: string, message: string) => Uint8Array;

/** @internal Signing and checking with one HMAC implementation. */
export interface Hmac {
  /** The HMAC in lowercase hex. */
  hex(secret: string, message: string): string;
  /** Whether `signature` (hex, either case) is the HMAC of `message` under `secret`. */
  matches(signature: string, secret: string, message: string): boolean;
}

/** @internal The plain JavaScript HMAC, for runtimes without node:crypto. */
export const nobleHmac: HmacDigest = (secret, message) => hmac(sha256, utf8ToBytes(secret), utf8ToBytes(message));

interface NodeCrypto {
  createHmac(algorithm: "sha256", key: string): { update(data: string): { digest(): Uint8Array } };
}

interface Runtime {
  process?: { getBuiltinModule?: (id: string) => unknown };
}

/**
 * @internal node:crypto's HMAC, where `runtime` (the global object) lends it through
 * `process.getBuiltinModule` (Node 20.16+, Bun, Deno), else undefined. It encodes string keys and
 * messages as UTF-8 as @noble/hashes does, lone surrogates included (as U+FFFD).
 */
export function builtinHmac(runtime: Runtime = globalThis as Runtime): HmacDigest | undefined {
  let crypto: Partial<NodeCrypto> | undefined;
  try {
    crypto = runtime.process?.getBuiltinModule?.("node:crypto") as Partial<NodeCrypto> | undefined;
  } catch {
    return undefined; // a runtime that has the function but refuses the module
  }
  const createHmac = crypto?.createHmac;
  if (typeof createHmac !== "function") return undefined;
  const digest: HmacDigest = (secret, message) => createHmac("sha256", secret).update(message).digest();
  try {
    digest("probe", "probe"); // a build without SHA-256 (or a partial polyfill) throws here, not at every checkpoint
  } catch {
    return undefined;
  }
  return digest;
}

let inUse: HmacDigest | undefined;

/** @internal The HMAC snapshots are signed with: looked up at the first signature, then kept. */
export function signingHmac(): HmacDigest {
  inUse ??= builtinHmac() ?? nobleHmac;
  return inUse;
}

/** @internal Signing and checking with `digest` (the tests hold each implementation to node:crypto's bytes). */
export function hmacWith(digest: HmacDigest): Hmac {
  return {
    hex: (secret, message) => bytesToHex(digest(secret, message)),
    matches: (signature, secret, message) => {
      let given: Uint8Array;
      try {
        given = hexToBytes(signature);
      } catch {
        return false; // what is not hex of the right length is refused before the comparison: its shape is no secret
      }
      return sameBytes(given, digest(secret, message));
    },
  };
}

/**
 * The HMAC-SHA256 of `message` under `secret`, both as UTF-8, in lowercase hex: the bytes
 * node:crypto's `createHmac("sha256", secret).update(message).digest("hex")` gives, so snapshots
 * signed by earlier versions still verify.
 */
export function hmacHex(secret: string, message: string): string {
  return bytesToHex(signingHmac()(secret, message));
}

/**
 * Whether `signature` (hex, either case) is the HMAC-SHA256 of `message` under `secret`. The
 * comparison takes the same time wherever the bytes differ, so a forger learns nothing from timing.
 */
export function hmacMatches(signature: string, secret: string, message: string): boolean {
  return hmacWith(signingHmac()).matches(signature, secret, message);
}

/** Constant-time equality: every byte is looked at, whatever differs first. */
function sameBytes(given: Uint8Array, expected: Uint8Array): boolean {
  if (given.length !== expected.length || expected.length === 0) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= (given[i] as number) ^ (expected[i] as number);
  return difference === 0;
}
