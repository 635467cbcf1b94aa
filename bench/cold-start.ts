/**
 * Benchmark 3: cold start and deployable size.
 *
 * Both entries (functions/heap-content-sync/index.ts and the baseline's
 * bench/baseline/index.ts) are built with the Sanity CLI's own vite options
 * (bench/build.ts), in the CLI's default per-module layout (dependencies
 * installed at deploy) and in its single-file bundle mode (dependencies
 * inlined). The cold start is the time to import the built entry in a fresh
 * `node` process (bench/support/import-child.ts), ours and the baseline's
 * alternating; bytes are the JavaScript the build wrote.
 */
import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {cliEnv} from '../tools/sanity-cli.ts';
import {type BuildOutput, buildFunction, REPO_ROOT} from './build.ts';
import type {BenchConfig} from './config.ts';
import {APP_ID, DATASET, PROJECT_ID} from './fixtures.ts';
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
  const builds: Record<string, BuildOutput> = {
    oursModules: await buildFunction(oursEntry, join(BUILD_DIR, 'ours-modules'), 'modules'),
    baseModules: await buildFunction(baseEntry, join(BUILD_DIR, 'baseline-modules'), 'modules'),
    oursBundle: await buildFunction(oursEntry, join(BUILD_DIR, 'ours-bundle'), 'bundle'),
    baseBundle: await buildFunction(baseEntry, join(BUILD_DIR, 'baseline-bundle'), 'bundle'),
  };
  log(
    `cold start: built ${Object.values(builds)
      .map((b) => `${b.dir.slice(REPO_ROOT.length + 1)} (${b.files} files, ${b.bytes} B)`)
      .join(', ')}`,
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
      `cold start run ${r + 1}/${cfg.runs}: import ours ${series.oursModules!.importMs.at(-1)!.toFixed(1)} ms, baseline ${series.baseModules!.importMs.at(-1)!.toFixed(1)} ms (median of ${cfg.coldStart.processes} processes each)`,
    );
  }

  const name = '3. Cold start and deployable size';
  const imp = (k: string) => summarise(series[k]!.importMs, 'ms');
  const cmp = (a: string, b: string) =>
    `baseline / ours = ${ratio(median(series[b]!.importMs), median(series[a]!.importMs))}`;
  const kb = (b: BuildOutput) => `${(b.bytes / 1024).toFixed(1)} KiB in ${b.files} file${b.files === 1 ? '' : 's'}`;
  return [
    {
      benchmark: name,
      metric: `import of the built entry in a fresh process, CLI layout (dependencies from node_modules); median of ${cfg.coldStart.processes} processes per run`,
      ours: imp('oursModules'),
      baseline: imp('baseModules'),
      ratio: cmp('oursModules', 'baseModules'),
    },
    {
      benchmark: name,
      metric: 'import of the single-file bundle (dependencies inlined)',
      ours: imp('oursBundle'),
      baseline: imp('baseBundle'),
      ratio: cmp('oursBundle', 'baseBundle'),
    },
    {
      benchmark: name,
      metric: 'peak RSS of the fresh process, start-up and import (CLI layout)',
      ours: summarise(series.oursModules!.rss, 'MiB'),
      baseline: summarise(series.baseModules!.rss, 'MiB'),
    },
    {
      benchmark: name,
      metric: 'bytes of the single-file bundle (dependencies inlined)',
      ours: kb(builds.oursBundle!),
      baseline: kb(builds.baseBundle!),
      ratio: `baseline / ours = ${ratio(builds.baseBundle!.bytes, builds.oursBundle!.bytes)}`,
    },
    {
      benchmark: name,
      metric: 'bytes of own code in the CLI layout (dependencies installed at deploy)',
      ours: kb(builds.oursModules!),
      baseline: `${kb(builds.baseModules!)} + @sanity/client installed`,
    },
  ];
}
