/**
 * `npm run backfill -- [options]`: bring content that existed before the
 * function into Heap. See `--help` and docs/backfill.md.
 *
 * Output, kept apart: standard output carries only JSON lines (one per
 * notable outcome, for machines; `--help` prints its text there when asked);
 * standard error carries only lines for people (progress, the summary, what
 * to do next, errors). Everything printed, and every file written, goes
 * through one secret scrubber (shared/log.ts) built from HEAP_APP_ID,
 * SANITY_API_TOKEN and SANITY_AUTH_TOKEN before anything else runs.
 */
import {DEFAULT_CHECKPOINT, FLAGS, HELP, parseCommand, UsageError} from '../backfill/options.ts';
import {ProgressReporter} from '../backfill/progress.ts';
import {type Logger, runBackfill} from '../backfill/run.ts';
import {backfillClient} from '../backfill/sanity.ts';
import {logLine, Scrubber} from '../shared/log.ts';
import {npmTakenFlags} from './npm-flags.ts';

/** Plain progress lines: one per this long (times the time scale). */
const PROGRESS_INTERVAL_MS = 10_000;
/** A line for people is at most this long. */
const MAX_LINE = 2000;

const secrets = [process.env.HEAP_APP_ID, process.env.SANITY_API_TOKEN, process.env.SANITY_AUTH_TOKEN];
const scrubber = new Scrubber(secrets);

/** A line for people, on stderr. */
function say(text: string): void {
  process.stderr.write(`${scrubber.line(text, MAX_LINE)}\n`);
}

/** Progress goes to stderr through the scrubber too (it holds only counts, but every path does). */
const stderr = {
  write: (chunk: string) => process.stderr.write(scrubber.text(chunk)),
  get isTTY() {
    return process.stderr.isTTY;
  },
  get columns() {
    return process.stderr.columns;
  },
};

function makeLogger(around: (write: () => void) => void): Logger {
  return (level, msg, fields = {}) =>
    around(() => {
      logLine(
        {time: new Date().toISOString(), level, tool: 'backfill', msg, ...fields},
        {secrets, write: (line) => process.stdout.write(`${line}\n`)},
      );
    });
}

async function main(): Promise<number> {
  const taken = npmTakenFlags('backfill', FLAGS, process.env);
  if (taken) {
    makeLogger((w) => w())('error', 'usage', {outcome: 'usage', reason: taken.message, npm_flags: taken.flags});
    say(`backfill: ${taken.message}`);
    return 2;
  }
  let command: ReturnType<typeof parseCommand>;
  try {
    command = parseCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    makeLogger((w) => w())('error', 'usage', {outcome: 'usage', reason: err.message});
    say(`backfill: ${err.message}`);
    say('Run with --help for usage: npm run backfill -- --help');
    return 2;
  }
  if (command.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const options = command;
  const tty = process.stderr.isTTY === true;
  const progress = new ProgressReporter({stream: stderr, tty, intervalMs: PROGRESS_INTERVAL_MS * options.timeScale});
  const log = makeLogger((write) => (tty && process.stdout.isTTY ? progress.around(write) : write()));

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
    scrubber,
  });
  if (result.outcome === 'usage' && result.message) say(`backfill: ${result.message}`);
  if (result.outcome === 'stopped' && result.message) say(`backfill stopped: ${result.message}`);
  if (result.outcome === 'done_with_failures' && !options.dryRun) {
    say(
      `backfill: events that could not be delivered are in ${options.failures} (with those of earlier runs not yet re-driven); after fixing the cause: npm run backfill -- --retry-failed ${options.failures}`,
    );
  }
  if (result.outcome === 'interrupted')
    say(
      `backfill: continue with: npm run backfill -- --resume${options.checkpoint === DEFAULT_CHECKPOINT ? '' : ` --checkpoint ${options.checkpoint}`}`,
    );
  if (result.outcome === 'interrupted' && signalled === 'SIGTERM') return 143;
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`backfill: unexpected error: ${scrubber.error(err)}\n`);
    process.exit(3);
  },
);
