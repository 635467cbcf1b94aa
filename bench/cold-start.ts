/**
 * Benchmark 3: cold start and deployable size.
 *
 * Both entries (functions/heap-content-sync/index.ts and the baseline's
 * bench/baseline/index.ts) are packaged with the Sanity CLI's own code
 * (bench/package.ts: @sanity/runtime-cli's prepareAsset, what `blueprints
 * deploy` uploads: built modules plus every imported package installed into
 * node_modules) and built in the CLI's single-file bundle mode (bench/build.ts,
 * dependencies inlined). The cold start is the time to import the entry in a
 * fresh `node` process (bench/support/import-child.ts), ours and the
 * baseline's alternating; the packaged artifact is imported from a copy
 * outside the repository, so nothing resolves from the repository's node_modules.
 */
import {execFile} from 'node:child_process';
import {rm} from 'node:fs/promises';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {FUNCTION_NAME} from '../shared/function-settings.ts';
import {cliEnv} from '../tools/sanity-cli.ts';
import {type BuildOutput, buildBundle, REPO_ROOT} from './build.ts';
import type {BenchConfig} from './config.ts';
import {APP_ID, DATASET, PROJECT_ID} from './fixtures.ts';
import {type PackagedFunction, packageWithCli} from './package.ts';
import {median, type ResultRow, ratio, summarise} from './stats.ts';

const run = promisify(execFile);
const CHILD = join(REPO_ROOT, 'bench', 'support', 'import-child.ts');
export const BUILD_DIR = join(REPO_ROOT, 'bench', 'results', 'build');

/** The environment a deployed function / route would have (the baseline creates its client at import). */
function childEnv(): NodeJS.ProcessEnv {
  return cliEnv({
    SANITY_PROJECT_ID: PROJECT_ID,
    SANITY_DATASET: DATASET,
    SANITY_API_HOST: 'http://127.0.0.1:9',
    HEAP_APP_ID: APP_ID,
    HEAP_API_URL: 'http://127.0.0.1:9',
  });
}

async function importOnce(entry: string, env: NodeJS.ProcessEnv): Promise<{importMs: number; maxRssKb: number}> {
  const {stdout} = await run(process.execPath, [CHILD, entry], {env, cwd: REPO_ROOT, timeout: 60_000});
  return JSON.parse(stdout.trim()) as {importMs: number; maxRssKb: number};
}

export async function coldStartBenchmark(cfg: BenchConfig, log: (line: string) => void): Promise<ResultRow[]> {
  const oursEntry = join(REPO_ROOT, 'functions', 'heap-content-sync', 'index.ts');
  const baseEntry = join(REPO_ROOT, 'bench', 'baseline', 'index.ts');
  const packaged = {
    ours: await packageWithCli(FUNCTION_NAME, `functions/${FUNCTION_NAME}`),
    base: await packageWithCli('baseline', 'bench/baseline'),
  };
  const bundles = {
    ours: await buildBundle(oursEntry, join(BUILD_DIR, 'ours-bundle')),
    base: await buildBundle(baseEntry, join(BUILD_DIR, 'baseline-bundle')),
  };
  const builds: Record<string, {entry: string}> = {
    oursDeployed: packaged.ours,
    baseDeployed: packaged.base,
    oursBundle: bundles.ours,
    baseBundle: bundles.base,
  };
  log(
    `cold start: packaged by the CLI: ours ${describePackage(packaged.ours)}; baseline ${describePackage(packaged.base)}`,
  );

  const env = childEnv();
  const series: Record<string, {importMs: number[]; rss: number[]}> = {};
  for (const key of Object.keys(builds)) series[key] = {importMs: [], rss: []};
  for (let r = 0; r < cfg.runs; r++) {
    const perRun: Record<string, {importMs: number[]; rss: number[]}> = {};
    for (const key of Object.keys(builds)) perRun[key] = {importMs: [], rss: []};
    for (let p = 0; p < cfg.coldStart.processes; p++) {
      for (const [key, b] of Object.entries(builds)) {
        const m = await importOnce(b.entry, env);
        perRun[key]!.importMs.push(m.importMs);
        perRun[key]!.rss.push(m.maxRssKb / 1024);
      }
    }
    for (const key of Object.keys(builds)) {
      series[key]!.importMs.push(median(perRun[key]!.importMs));
      series[key]!.rss.push(median(perRun[key]!.rss));
    }
    log(
      `cold start run ${r + 1}/${cfg.runs}: import ours ${series.oursDeployed!.importMs.at(-1)!.toFixed(1)} ms, baseline ${series.baseDeployed!.importMs.at(-1)!.toFixed(1)} ms (median of ${cfg.coldStart.processes} processes each)`,
    );
  }

  const name = '3. Cold start and deployable size';
  const imp = (k: string) => summarise(series[k]!.importMs, 'ms');
  const cmp = (a: string, b: string) =>
    `baseline / ours = ${ratio(median(series[b]!.importMs), median(series[a]!.importMs))}`;
  const kb = (b: BuildOutput) => `${(b.bytes / 1024).toFixed(1)} KiB in ${b.files} file${b.files === 1 ? '' : 's'}`;
  try {
    return [
      {
        benchmark: name,
        metric:
          "what `blueprints deploy` uploads: the CLI's own packaging (prepareAsset), zip and its unpacked entries (source maps included)",
        ours: describePackage(packaged.ours),
        baseline: describePackage(packaged.base),
        ratio: `baseline / ours = ${ratio(packaged.base.unpackedBytes, packaged.ours.unpackedBytes)} (unpacked)`,
      },
      {
        benchmark: name,
        metric: `import of the deployed artifact in a fresh process (its own node_modules only); median of ${cfg.coldStart.processes} processes per run`,
        ours: imp('oursDeployed'),
        baseline: imp('baseDeployed'),
        ratio: cmp('oursDeployed', 'baseDeployed'),
      },
      {
        benchmark: name,
        metric: 'peak RSS of the fresh process, start-up and import of the deployed artifact',
        ours: summarise(series.oursDeployed!.rss, 'MiB'),
        baseline: summarise(series.baseDeployed!.rss, 'MiB'),
      },
      {
        benchmark: name,
        metric: "import of the single-file bundle (the CLI's pnpm mode: dependencies inlined)",
        ours: imp('oursBundle'),
        baseline: imp('baseBundle'),
        ratio: cmp('oursBundle', 'baseBundle'),
      },
      {
        benchmark: name,
        metric: 'bytes of the single-file bundle (dependencies inlined, source maps not counted)',
        ours: kb(bundles.ours),
        baseline: kb(bundles.base),
        ratio: `baseline / ours = ${ratio(bundles.base.bytes, bundles.ours.bytes)}`,
      },
    ];
  } finally {
    await Promise.all(Object.values(packaged).map((p) => rm(p.dir, {recursive: true, force: true})));
  }
}

function describePackage(p: PackagedFunction): string {
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  const deps = Object.entries(p.dependencies);
  const installed =
    deps.length === 0
      ? 'no dependency installed'
      : `${deps.map(([n, v]) => `${n}@${v}`).join(', ')} installed: ${p.dependencyFiles} of the files, ${kib(p.dependencyBytes)}`;
  return `${kib(p.zipBytes)} zip, ${kib(p.unpackedBytes)} unpacked in ${p.files} files; ${installed}`;
}
