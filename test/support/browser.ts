import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Debian's Chromium; CHROMIUM_PATH overrides it. Never a browser downloaded by Playwright. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The flags this machine needs: without the background-networking ones Chromium keeps trying
 * Google's hosts, which the closed network refuses. Playwright starts every launch with a fresh,
 * empty user-data-dir of its own (a new temporary profile) and deletes it on close.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Launches headless Chromium, or fails saying how to install it (a browser test never skips). */
export async function launchChromium(): Promise<Browser> {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}. Install Debian's package: \`apt-get install -y chromium\` ` +
        '(or set CHROMIUM_PATH to a Chromium binary). Do not run `npx playwright install`: it downloads a browser.',
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], timeout: 15_000 });
}

/** Every URL the pages of a context ask for, to check that nothing left the machine. */
export function recordRequests(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  return urls;
}

/** URLs that went anywhere but the given loopback origin (data: and about: never leave). */
export function offOrigin(urls: readonly string[], origin: string): string[] {
  return urls.filter((url) => !url.startsWith(`${origin}/`) && !/^(data|about|blob):/.test(url));
}

/** A path under artifacts/ (git-ignored) for screenshots a test keeps. */
export function artifactPath(name: string): string {
  const dir = join(__dirname, '..', '..', 'artifacts');
  mkdirSync(dir, { recursive: true });
  return join(dir, name);
}
