/**
 * Headless Chromium for tests: Debian's /usr/bin/chromium driven by playwright-core.
 *
 *   const browser = await launchChromium();
 *   try { const page = await browser.newPage(); ... } finally { await browser.close(); }
 *
 * CHROMIUM_PATH overrides the executable. A missing browser is an error, never a skipped test.
 */
import {existsSync} from 'node:fs';
import {type Browser, chromium, type LaunchOptions} from 'playwright-core';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, offline, sandbox-less headless Chromium (containers run as root). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;
}

/** Launch headless Chromium; extra `args` are appended to CHROMIUM_ARGS. */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(
      `Chromium not found at ${executablePath}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  return chromium.launch({
    timeout: 30_000,
    ...options,
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
