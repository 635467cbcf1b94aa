/**
 * Bundles the browser module (`shared/browser.ts`) for the web with Vite's
 * build API (rolldown + oxc minifier): one minified ES module,
 * `dist/sanity-heap.js`. Reports the minified and gzipped size and fails above
 * {@link SIZE_LIMIT_BYTES} gzipped.
 *
 *   npm run build:browser
 */
import {fileURLToPath} from 'node:url';
import {gzipSync} from 'node:zlib';
import {build} from 'vite';
import {helpRequested} from '../tools/cli-help.ts';

/** The browser bundle must stay under 2 KB minified and gzipped. */
export const SIZE_LIMIT_BYTES = 2048;
export const BUNDLE_FILE = 'sanity-heap.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRY = fileURLToPath(new URL('../shared/browser.ts', import.meta.url));

export interface BrowserBuild {
  /** The minified ES module. */
  code: string;
  minifiedBytes: number;
  gzippedBytes: number;
  limitBytes: number;
  withinLimit: boolean;
  /** Where it was written (absent with `write: false`). */
  file?: string;
}

export interface BuildBrowserOptions {
  /** Write to `outDir` (default true). */
  write?: boolean;
  /** Default `<repo>/dist`. */
  outDir?: string;
  /** Gzipped size limit; default {@link SIZE_LIMIT_BYTES}. */
  limitBytes?: number;
}

export async function buildBrowser(options: BuildBrowserOptions = {}): Promise<BrowserBuild> {
  const write = options.write ?? true;
  const outDir = options.outDir ?? `${ROOT}dist`;
  const result = await build({
    configFile: false,
    envFile: false,
    root: ROOT,
    logLevel: 'silent',
    build: {
      lib: {entry: ENTRY, formats: ['es'], fileName: () => BUNDLE_FILE},
      outDir,
      emptyOutDir: false,
      write,
      minify: true,
      target: 'es2022',
      copyPublicDir: false,
      reportCompressedSize: false,
      rolldownOptions: {output: {minify: true}},
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  const chunk = outputs
    .flatMap((o) => ('output' in o ? o.output : []))
    .find((c) => c.type === 'chunk' && c.fileName === BUNDLE_FILE);
  if (chunk?.type !== 'chunk') throw new Error(`vite build produced no ${BUNDLE_FILE}`);
  const code = chunk.code;
  const minifiedBytes = Buffer.byteLength(code);
  const gzippedBytes = gzipSync(code, {level: 9}).length;
  const limitBytes = options.limitBytes ?? SIZE_LIMIT_BYTES;
  return {
    code,
    minifiedBytes,
    gzippedBytes,
    limitBytes,
    withinLimit: gzippedBytes <= limitBytes,
    ...(write ? {file: `${outDir}/${BUNDLE_FILE}`} : {}),
  };
}

/** Build, report one JSON line, and return the exit code: 0 within the limit, 1 over it. */
export async function runBuild(
  options: BuildBrowserOptions = {},
  write: (line: string) => void = console.log,
): Promise<number> {
  const report = await buildBrowser({...options, write: true});
  write(
    JSON.stringify({
      level: report.withinLimit ? 'info' : 'error',
      msg: report.withinLimit
        ? 'browser bundle built'
        : `browser bundle over the ${report.limitBytes}-byte gzipped limit`,
      file: report.file,
      minified_bytes: report.minifiedBytes,
      gzipped_bytes: report.gzippedBytes,
      limit_bytes: report.limitBytes,
    }),
  );
  return report.withinLimit ? 0 : 1;
}

export const USAGE = `npm run build:browser

Bundles the browser helper (shared/browser.ts) into dist/sanity-heap.js, one ES module,
prints its size as one JSON line and exits 1 if it is over the gzipped size limit.`;

if (import.meta.main) process.exitCode = helpRequested(USAGE) ? 0 : await runBuild();
