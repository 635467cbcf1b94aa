/**
 * The backfill, in a fresh process, for the benchmark: the same option parsing
 * (parseCommand), the same @sanity/client settings and the same run
 * (runBackfill) as `npm run backfill` (scripts/backfill.ts), with two
 * differences: the page size of the Content Lake reads comes from
 * BENCH_PAGE_SIZE (the stand-in's groq-js cost is per query, so the CLI's
 * 1000 would make the stand-in, not the pacing, the bottleneck), and log lines
 * are counted instead of printed. Prints one JSON line: the result, the run's
 * wall time and the process's peak RSS.
 */
import {parseCommand} from '../../backfill/options.ts';
import {runBackfill} from '../../backfill/run.ts';
import {backfillClient} from '../../backfill/sanity.ts';
import {peakRssKb} from './peak-rss.ts';

const command = parseCommand(process.argv.slice(2), process.env);
if (command.help) throw new Error('--help is not for the benchmark');
const logCounts: Record<string, number> = {};
const started = performance.now();
const result = await runBackfill(command, {
  client: backfillClient(command.sanity),
  log: (level, msg) => {
    logCounts[`${level}:${msg}`] = (logCounts[`${level}:${msg}`] ?? 0) + 1;
  },
  pageSize: Number(process.env.BENCH_PAGE_SIZE ?? 1000),
});
const elapsedMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({result, elapsedMs, peakRssKb: peakRssKb(), logCounts})}\n`);
