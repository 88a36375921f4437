/**
 * HMAC-SHA256 for snapshot signing, in plain JavaScript (@noble/hashes) rather than node:crypto, so
 * the core runs in browsers and edge runtimes; Web Crypto would do it too, but only asynchronously,
 * and `handler.snapshot()` and `wf.resume(snapshot)` are synchronous.
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * The HMAC-SHA256 of `message` under `secret`, both as UTF-8, in lowercase hex: the bytes
 * node:crypto's `createHmac("sha256", secret).update(message).digest("hex")` gives, so snapshots
 * signed by earlier versions still verify.
 */
export function hmacHex(secret: string, message: string): string {
  return bytesToHex(hmacOf(secret, message));
}

/**
 * Whether `signature` (hex, either case) is the HMAC-SHA256 of `message` under `secret`. The
 * comparison takes the same time wherever the bytes differ, so a forger learns nothing from timing;
 * what is not hex of the right length is refused before it (its shape is no secret).
 */
export function hmacMatches(signature: string, secret: string, message: string): boolean {
  let given: Uint8Array;
  try {
    given = hexToBytes(signature);
  } catch {
    return false;
  }
  return sameBytes(given, hmacOf(secret, message));
}

function hmacOf(secret: string, message: string): Uint8Array {
  return hmac(sha256, utf8ToBytes(secret), utf8ToBytes(message));
}

/** Constant-time equality: every byte is looked at, whatever differs first. */
function sameBytes(given: Uint8Array, expected: Uint8Array): boolean {
  if (given.length !== expected.length || expected.length === 0) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= (given[i] as number) ^ (expected[i] as number);
  return difference === 0;
}
