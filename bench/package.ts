/**
 * What `sanity blueprints deploy` uploads for a function, measured with the
 * Sanity CLI's own packaging: @sanity/runtime-cli's `prepareAsset` (the code
 * behind `blueprints deploy` and `functions build`). It transpiles the function
 * with vite (one file per module), lets Architect's hydrate install every
 * package the built code imports (`npm install` into the artifact's
 * node_modules, versions from the root package.json), and zips the folder.
 *
 * The zipped folder is copied out of the repository before it is imported, so
 * the cold start resolves packages from the artifact alone, as deployed (inside
 * the repository, Node would fall back to the repository's node_modules).
 */
import {cp, mkdtemp, readdir, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, relative, sep} from 'node:path';
import {prepareAsset} from '../node_modules/@sanity/runtime-cli/dist/utils/functions/prepare-asset.js';
import {REPO_ROOT} from './build.ts';

export interface PackagedFunction {
  /** A copy of the folder the CLI zipped, outside the repository. */
  dir: string;
  /** `<dir>/index.js`: what the platform imports. */
  entry: string;
  /** Bytes of the zip the CLI would upload (compressed). */
  zipBytes: number;
  /** Uncompressed bytes of the zip's entries (the CLI's own `assetBytes`), source maps included. */
  unpackedBytes: number;
  files: number;
  /** Files and bytes under node_modules/: the dependencies the CLI installed. */
  dependencyFiles: number;
  dependencyBytes: number;
  /** Packages the CLI installed (its autoinstall manifest), name → version. */
  dependencies: Record<string, string>;
}

/**
 * Package the function whose source folder is `src` (relative to the repository
 * root) exactly as a deploy would. npm is asked to prefer its cache, so a second
 * run installs nothing from the registry.
 */
export async function packageWithCli(name: string, src: string): Promise<PackagedFunction> {
  process.env.npm_config_prefer_offline ??= 'true';
  const result = await prepareAsset({
    blueprintFileDir: REPO_ROOT,
    resource: {type: 'sanity.function.document', name, src} as Parameters<typeof prepareAsset>[0]['resource'],
  });
  if (!result.success) throw new Error(`the CLI could not package ${src}: ${result.error}`);
  await result.cleanup();
  const built = join(REPO_ROOT, src, '.build', `function-${name}`);
  const dir = await mkdtemp(join(tmpdir(), `sanity-heap-artifact-${name}-`));
  await rm(dir, {recursive: true, force: true});
  await cp(built, dir, {recursive: true});
  const out: PackagedFunction = {
    dir,
    entry: join(dir, 'index.js'),
    zipBytes: result.outputBuffer.length,
    unpackedBytes: Number(result.metadata?.assetBytes),
    files: 0,
    dependencyFiles: 0,
    dependencyBytes: 0,
    dependencies: (result.metadata?.dependencies as Record<string, string> | undefined) ?? {},
  };
  for (const entry of await readdir(dir, {recursive: true, withFileTypes: true})) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out.files += 1;
    if (relative(dir, path).split(sep).includes('node_modules')) {
      out.dependencyFiles += 1;
      out.dependencyBytes += (await stat(path)).size;
    }
  }
  return out;
}
