// Debian's Chromium driven by playwright-core (no browser download), as the browser
// tests and bench/bundle.ts start it. No server imports here: the bundle benchmark
// loads the server of whichever checkout it measures.
import { chromium, type Browser } from "playwright-core";

/**
 * Without the background-networking flags Chromium keeps trying to reach
 * Google's hosts, which a closed network refuses many at a time.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}
