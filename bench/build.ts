/**
 * Builds a function entry in the Sanity CLI's single-file bundle mode (what
 * @sanity/runtime-cli's transpileFunction does under pnpm): vite in SSR mode,
 * target node20, ESM, no minification, sourcemaps, every dependency inlined
 * (noExternal). The CLI's default layout (one file per module, dependencies
 * installed by npm) is measured by running the CLI's own packaging instead
 * (bench/package.ts).
 *
 * Both the function and the baseline go through the same call, so their byte
 * counts and cold starts compare like for like. The options are copied from
 * @sanity/runtime-cli 17.16.0 (dist/utils/functions/transpile/function.js).
 */
import {readdir, rm, stat} from 'node:fs/promises';
import {basename, dirname, extname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {build} from 'vite';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BuildOutput {
  dir: string;
  /** The entry file, e.g. `<dir>/index.js`. */
  entry: string;
  /** JavaScript files written (source maps not counted). */
  files: number;
  /** Bytes of the JavaScript files. */
  bytes: number;
}

export async function buildBundle(entryPoint: string, outDir: string): Promise<BuildOutput> {
  const fileName = `${basename(entryPoint, extname(entryPoint))}.js`;
  await rm(outDir, {recursive: true, force: true});
  await build({
    root: REPO_ROOT,
    configFile: false,
    logLevel: 'silent',
    build: {
      target: 'node20',
      outDir,
      emptyOutDir: false,
      minify: false,
      sourcemap: true,
      ssr: true,
      rolldownOptions: {
        input: entryPoint,
        output: {
          format: 'esm',
          entryFileNames: fileName,
        },
        external: [],
      },
    },
    resolve: {tsconfigPaths: true},
    ssr: {noExternal: true, resolve: {conditions: ['node']}},
  });
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(outDir, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    files += 1;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return {dir: outDir, entry: join(outDir, fileName), files, bytes};
}
