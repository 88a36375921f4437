/**
 * `stepchart serve` and `stepchart dev` on a loopback address answer the names of this machine
 * only (a DNS-rebound name is refused), and the address they were told to bind among them.
 */
import { request as httpRequest } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { isLoopback } from "../../src/cli/hosts.js";
import { finished, fixture, startCli } from "./fixtures-b/cli.js";

vi.setConfig({ testTimeout: 60_000 });

/** Starts `stepchart <command> greet.ts --port 0 <more>`, and its URL once it prints it. */
async function start(command: "serve" | "dev", ...more: string[]) {
  const child = startCli([command, fixture("greet.ts"), "--port", "0", ...more]);
  const exited = finished(child);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stdout?.on("data", (text: Buffer | string) => {
      seen += String(text);
      const found = /on (http:\/\/[\d.]+:\d+)/.exec(seen);
      if (found) resolve(found[1] as string);
    });
    void exited.then((r) => reject(new Error(`${command} exited ${r.code} before listening: ${r.stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      return exited;
    },
  };
}

/** GET `path` from `url`'s address, naming `host` in the Host header; the status. */
function statusFor(url: string, path: string, host: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: hostname, port, path, headers: { host: `${host}:${port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(["serve", "dev"] as const)("stepchart %s on loopback", (command) => {
  it("refuses a request that names another host (a DNS-rebound name)", async () => {
    const server = await start(command);
    try {
      expect(await statusFor(server.url, "/workflows", "127.0.0.1")).toBe(200);
      expect(await statusFor(server.url, "/workflows", "localhost")).toBe(200);
      expect(await statusFor(server.url, "/workflows", "evil.example")).toBe(403);
    } finally {
      const stopped = await server.stop();
      expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
    }
  });

  it("answers on another loopback address it was told to bind (--host 127.0.0.2)", async () => {
    const server = await start(command, "--host", "127.0.0.2");
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/);
      expect((await fetch(`${server.url}/workflows`)).status).toBe(200);
      expect(await statusFor(server.url, "/workflows", "evil.example")).toBe(403);
    } finally {
      const stopped = await server.stop();
      expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
    }
  });
});

describe("what counts as loopback (the Host check is on there)", () => {
  it("takes every spelling of this machine's loopback addresses, and nothing else", () => {
    for (const host of ["localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::0001"])
      expect([host, isLoopback(host)]).toEqual([host, true]);
    for (const host of ["0.0.0.0", "::", "::11", "example.com", "10.0.0.1", "localhost.example.com"])
      expect([host, isLoopback(host)]).toEqual([host, false]);
  });
});
