import { afterEach, describe, expect, it, vi } from "vitest";
import { randomHex, randomUuid } from "../../src/internal/random.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("random ids", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("gives hex of the asked length and version 4 UUIDs", () => {
    expect(randomHex(8)).toMatch(/^[0-9a-f]{16}$/);
    expect(randomUuid()).toMatch(UUID_V4);
  });

  it("makes a UUID from random bytes where crypto.randomUUID is missing (a page on plain http)", () => {
    // A page outside a secure context has getRandomValues but no randomUUID.
    vi.stubGlobal("crypto", { getRandomValues: globalThis.crypto.getRandomValues.bind(globalThis.crypto) });
    const ids = new Set(Array.from({ length: 200 }, randomUuid));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(UUID_V4);
  });
});
