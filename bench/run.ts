/**
 * `npm run bench`: every figure for this project and for the naive webhook
 * baseline (bench/baseline/) in the same run, repeated, as median and spread.
 * Progress goes to stderr; the Markdown table to stdout and, with the raw
 * numbers, to bench/results/latest.md and latest.json. `--help` for sizes.
 */
import {mkdir, writeFile} from 'node:fs/promises';
import os from 'node:os';
import {join} from 'node:path';
import {backfillBenchmark} from './backfill.ts';
import {REPO_ROOT} from './build.ts';
import {burstBenchmark} from './burst.ts';
import {coldStartBenchmark} from './cold-start.ts';
import {type BenchConfig, type BenchmarkName, parseConfig, USAGE} from './config.ts';
import {cpuBenchmark} from './cpu.ts';
import {latencyBenchmark} from './latency.ts';
import {markdownTable, type ResultRow} from './stats.ts';

const RESULTS = join(REPO_ROOT, 'bench', 'results');

const BENCHES: Record<BenchmarkName, (cfg: BenchConfig, log: (line: string) => void) => Promise<ResultRow[]>> = {
  latency: latencyBenchmark,
  burst: burstBenchmark,
  'cold-start': coldStartBenchmark,
  cpu: cpuBenchmark,
  backfill: backfillBenchmark,
};

function machine(): {cores: number; cpu: string; memoryGiB: number; node: string; platform: string} {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
  };
}

async function main(): Promise<number> {
  let cfg: BenchConfig | 'help';
  try {
    cfg = parseConfig(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}\n`);
    return 2;
  }
  if (cfg === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const started = Date.now();
  const log = (line: string): void => {
    process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  };
  const m = machine();
  log(`bench: ${cfg.only.join(', ')}; ${cfg.runs} runs each; ${m.cores} cores, ${m.cpu}, Node ${m.node}`);

  const rows: ResultRow[] = [];
  const timings: Record<string, number> = {};
  for (const name of cfg.only) {
    const t = Date.now();
    log(`${name}: starting`);
    rows.push(...(await BENCHES[name](cfg, log)));
    timings[name] = (Date.now() - t) / 1000;
    log(`${name}: done in ${timings[name]!.toFixed(0)} s`);
  }
  const totalS = (Date.now() - started) / 1000;

  const date = new Date(started).toISOString();
  const header = [
    `Run ${date.slice(0, 16).replace('T', ' ')} UTC on ${m.cores} cores (${m.cpu}, ${m.memoryGiB} GiB), ${m.platform}, Node ${m.node}; ${cfg.runs} runs per figure; whole run ${totalS.toFixed(0)} s.`,
    `Command: npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  ].join('\n');
  const table = markdownTable(rows);
  await mkdir(RESULTS, {recursive: true});
  await writeFile(join(RESULTS, 'latest.md'), `${header}\n\n${table}\n`);
  await writeFile(
    join(RESULTS, 'latest.json'),
    `${JSON.stringify({date, machine: m, config: cfg, seconds: {total: totalS, ...timings}, rows}, null, 2)}\n`,
  );
  process.stdout.write(`\n${header}\n\n${table}\n\nWritten to bench/results/latest.md and latest.json.\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
