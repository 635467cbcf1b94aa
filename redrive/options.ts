/**
 * The command lines of `npm run redrive` and `npm run status`, validated in
 * one place (flags and HEAP_* read as the backfill reads them). Every problem
 * is a UsageError: the CLI prints it and exits 2.
 */

import {
  DEFAULT_BATCH_SIZE,
  parseFlagsOrUsage,
  parseSince,
  positiveInteger,
  readHeapConfig,
  UsageError,
} from '../backfill/options.ts';
import type {HeapConfig} from '../shared/config.ts';
import {MAX_BULK_EVENTS} from '../shared/heap-rules.ts';

export {UsageError};

const LOGS_HELP = `  --logs FILE|-        what \`npx sanity-run functions logs heap-content-sync --json\` printed
                       (a file, or - for standard input)
  --since ISO-DATE     only invocations logged at or after this time (UTC when no zone)`;

export const REDRIVE_HELP = `Usage: npm run redrive -- --logs FILE|- [options]

Re-sends to Heap every event the function failed to deliver, read from its
logs: each failed invocation's log line carries the whole event. Events go out
with their original idempotency key, so one Heap already stored is not stored
again; a failure whose key another invocation delivered is skipped. Paced and
retried like the backfill.

  npx sanity-run functions logs heap-content-sync --json --limit 1000 | npm run redrive -- --logs -

Options:
${LOGS_HELP}
  --dry-run            show what would be re-sent, send nothing (also: HEAP_DRY_RUN=1)
  --help               this text

Environment (as for the backfill and the function):
  HEAP_APP_ID          Heap environment id (required)
  HEAP_API_URL         Heap base URL (default https://heapanalytics.com; EU https://c.eu.heap-api.com)
  HEAP_IDENTITY        the identity content events belong to (default system:sanity-content);
                       events are re-sent with the identity they were logged with

Standard output: one JSON line per event re-sent or still failing. Standard
error: the summary.

Exit codes: 0 nothing left to re-send; 1 some events still fail (rejected by
Heap, or not in the log line: see the runbook); 2 bad flags, environment or
input; 3 Heap unavailable (run it again later).`;

export const STATUS_HELP = `Usage: npm run status -- --logs FILE|- [options]

What the function did, from its logs: outcomes by hour (delivered, skipped,
failed, dry run), failure reasons with counts, attempts and elapsed-time
percentiles, and the events still at risk (failed, and not delivered by any
invocation since).

  npx sanity-run functions logs heap-content-sync --json --limit 1000 | npm run status -- --logs -

Options:
${LOGS_HELP}
  --json               one JSON document instead of text
  --help               this text

HEAP_APP_ID, when set, is removed from everything printed (as is any app id
the function already redacted).

Exit codes: 0 printed (whatever the outcomes); 2 bad flags or input.`;

export interface InputOptions {
  logs: string;
  /** Epoch milliseconds. */
  since?: number;
}

export type RedriveCommand =
  | {help: true}
  | (InputOptions & {
      help: false;
      dryRun: boolean;
      /** Why it is a dry run, when it is one. */
      dryRunBecause?: string;
      batchSize: number;
      /** Test option: multiplies Heap's rate-limit windows and the retry backoff. */
      timeScale: number;
      heap: HeapConfig;
    });

export type StatusCommand = {help: true} | (InputOptions & {help: false; json: boolean; appId?: string});

function readInput(values: {logs?: string; since?: string}): InputOptions {
  const logs = values.logs?.trim();
  if (!logs)
    throw new UsageError(
      '--logs: give the file `sanity functions logs heap-content-sync --json` wrote, or - to read standard input',
    );
  const input: InputOptions = {logs};
  const since = parseSince(values.since);
  if (since !== undefined) input.since = Date.parse(since);
  return input;
}

export const REDRIVE_FLAGS = {
  logs: {type: 'string'},
  since: {type: 'string'},
  'dry-run': {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
  'batch-size': {type: 'string'},
  'time-scale': {type: 'string'},
} as const;

export function parseRedriveCommand(argv: readonly string[], env: Record<string, string | undefined>): RedriveCommand {
  const values = parseFlagsOrUsage(argv, REDRIVE_FLAGS);
  if (values.help) return {help: true};
  const input = readInput(values);
  const batchSize =
    values['batch-size'] === undefined
      ? DEFAULT_BATCH_SIZE
      : positiveInteger('--batch-size', values['batch-size'], MAX_BULK_EVENTS / 2);
  let timeScale = 1;
  if (values['time-scale'] !== undefined) {
    timeScale = Number(values['time-scale']);
    if (!(timeScale > 0 && timeScale <= 1))
      throw new UsageError(`--time-scale: expected a number in (0, 1], got ${JSON.stringify(values['time-scale'])}`);
  }
  const heap = readHeapConfig(env);
  const because = values['dry-run'] ? '--dry-run' : heap.dryRun ? 'HEAP_DRY_RUN=1' : undefined;
  const command: RedriveCommand = {help: false, ...input, dryRun: because !== undefined, batchSize, timeScale, heap};
  if (because !== undefined) command.dryRunBecause = because;
  return command;
}

export const STATUS_FLAGS = {
  logs: {type: 'string'},
  since: {type: 'string'},
  json: {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
} as const;

export function parseStatusCommand(argv: readonly string[], env: Record<string, string | undefined>): StatusCommand {
  const values = parseFlagsOrUsage(argv, STATUS_FLAGS);
  if (values.help) return {help: true};
  const command: StatusCommand = {help: false, ...readInput(values), json: values.json === true};
  const appId = env.HEAP_APP_ID?.trim();
  if (appId) command.appId = appId;
  return command;
}
