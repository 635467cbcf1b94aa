/**
 * Builds a function entry the way the Sanity CLI does (`sanity functions test`
 * / `deploy`: @sanity/runtime-cli's transpileFunction): vite in SSR mode,
 * target node20, ESM, no minification, sourcemaps. Two modes, as in the CLI:
 *
 * - `modules`: the CLI's default: every source module kept as its own file
 *   (preserveModules), dependencies left as imports (Sanity installs them at
 *   deploy time from package.json);
 * - `bundle`: the CLI's bundling mode (what it does under pnpm): everything,
 *   dependencies included, inlined into one file (noExternal).
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

export async function buildFunction(
  entryPoint: string,
  outDir: string,
  mode: 'modules' | 'bundle',
): Promise<BuildOutput> {
  const bundle = mode === 'bundle';
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
          ...(bundle ? {} : {preserveModules: true, preserveModulesRoot: REPO_ROOT}),
        },
        external: bundle ? [] : [/node_modules/],
      },
    },
    resolve: {tsconfigPaths: true},
    ssr: {noExternal: bundle ? true : [], resolve: {conditions: ['node']}},
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
