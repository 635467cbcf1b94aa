/**
 * `npm run backfill -- [options]`: bring content that existed before the
 * function into Heap. See `--help` and docs/backfill.md.
 *
 * Standard output: one JSON log line per notable outcome (app id and tokens
 * redacted). Standard error: progress (a bar on a terminal, periodic lines
 * otherwise) and the final summary.
 */
import {DEFAULT_CHECKPOINT, HELP, parseCommand, UsageError} from '../backfill/options.ts';
import {ProgressReporter} from '../backfill/progress.ts';
import {type Logger, runBackfill} from '../backfill/run.ts';
import {backfillClient} from '../backfill/sanity.ts';
import {logLine} from '../shared/log.ts';

/** Plain progress lines: one per this long (times the time scale). */
const PROGRESS_INTERVAL_MS = 10_000;

function makeLogger(secrets: (string | undefined)[], around: (write: () => void) => void): Logger {
  return (level, msg, fields = {}) =>
    around(() => {
      logLine(
        {time: new Date().toISOString(), level, tool: 'backfill', msg, ...fields},
        {secrets, write: (line) => process.stdout.write(`${line}\n`)},
      );
    });
}

async function main(): Promise<number> {
  const secretsFromEnv = [process.env.HEAP_APP_ID?.trim(), process.env.SANITY_API_TOKEN?.trim()];
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    makeLogger(secretsFromEnv, (w) => w())('error', 'usage', {outcome: 'usage', reason: err.message});
    process.stderr.write(`backfill: ${err.message}\nRun with --help for usage.\n`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options = command;
  const tty = process.stderr.isTTY === true;
  const progress = new ProgressReporter({
    stream: process.stderr,
    tty,
    intervalMs: PROGRESS_INTERVAL_MS * options.timeScale,
  });
  const log = makeLogger([options.heap.appId, options.sanity.token], (write) =>
    tty && process.stdout.isTTY ? progress.around(write) : write(),
  );

  const controller = new AbortController();
  let signalled: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) {
      // Second Ctrl-C: leave at once. The checkpoint only ever holds accepted batches, so this is safe too.
      log('warn', 'interrupted', {
        signal: sig,
        reason:
          'second signal: exiting at once; the checkpoint is consistent, --resume re-sends at most one batch (Heap ignores the duplicates)',
      });
      process.exit(sig === 'SIGTERM' ? 143 : 130);
    }
    signalled = sig;
    log('warn', 'interrupting', {
      signal: sig,
      reason: 'finishing the batch in flight, then saving the checkpoint (press Ctrl-C again to quit at once)',
    });
    controller.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const result = await runBackfill(options, {
    client: backfillClient(options.sanity),
    log,
    progress,
    signal: controller.signal,
  });
  if (result.outcome === 'usage' && result.message) process.stderr.write(`backfill: ${result.message}\n`);
  if (result.outcome === 'stopped' && result.message) process.stderr.write(`backfill stopped: ${result.message}\n`);
  if (result.outcome === 'done_with_failures' && !options.dryRun) {
    process.stderr.write(
      `backfill: events that could not be delivered are in ${options.failures}; after fixing the cause: npm run backfill -- --retry-failed ${options.failures}\n`,
    );
  }
  if (result.outcome === 'interrupted')
    process.stderr.write(
      `backfill: continue with: npm run backfill -- --resume${options.checkpoint === DEFAULT_CHECKPOINT ? '' : ` --checkpoint ${options.checkpoint}`}\n`,
    );
  if (result.outcome === 'interrupted' && signalled === 'SIGTERM') return 143;
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `backfill: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(3);
  },
);
