/**
 * Debian's Chromium for the browser tests (.ci/run installs it when missing), launched headless by
 * playwright-core with no browser download. The background-networking flags keep it from calling
 * out: this machine's network is closed, and the tests reach 127.0.0.1 only.
 */
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
/** Why a browser suite did not run, for its title. */
export const chromiumSkipReason = hasChromium ? "" : ` (not run: no ${CHROMIUM})`;

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium, as every browser test launches it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: chromiumArgs });
}
