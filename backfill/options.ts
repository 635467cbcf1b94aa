/**
 * The backfill's command line and environment, validated in one place.
 * Every problem is a UsageError whose message says what is wrong and how to
 * fix it; the CLI prints it and exits 2.
 */
import {type ParseArgsOptionsConfig, parseArgs} from 'node:util';
import {ConfigError, type HeapConfig, loadConfig} from '../shared/config.ts';
import {MAX_BULK_EVENTS} from '../shared/heap-rules.ts';
import {isoTimestamp} from '../shared/timestamp.ts';
import {TRACKED_TYPES} from '../shared/tracking-plan.ts';

export class UsageError extends Error {
  name = 'UsageError';
}

export const DEFAULT_CHECKPOINT = '.backfill/checkpoint.json';
export const DEFAULT_FAILURES = '.backfill/failures.jsonl';
/** Events per request: small enough that pacing stays smooth, large enough to keep requests few. */
export const DEFAULT_BATCH_SIZE = 100;

export interface SanityTarget {
  projectId: string;
  dataset: string;
  token?: string;
  /** Set: the client talks to this base URL directly (no project subdomain). */
  apiHost?: string;
}

export interface BackfillOptions {
  types: string[];
  /** ISO timestamp (normalised with toISOString): only documents first published at or after it. */
  since?: string;
  limit?: number;
  dryRun: boolean;
  resume: boolean;
  retryFailed?: string;
  checkpoint: string;
  /** Where permanently rejected events go; in --retry-failed mode defaults to the file being re-driven. */
  failures: string;
  batchSize: number;
  /** Test option: multiplies Heap's rate-limit windows and the retry backoff. */
  timeScale: number;
  sanity: SanityTarget;
  heap: HeapConfig;
}

export type ParsedCommand = {help: true} | ({help: false} & BackfillOptions);

export const HELP = `Usage: npm run backfill -- [options]

Sends one "Content Published" event to Heap for every published document of the
tracked types that already exists, paced to Heap's Bulk Track limits, with a
checkpoint after every accepted batch. Run it once after deploying the function.
Put the options after "--": npm keeps a flag before it for itself (the backfill
refuses to run when npm took one, e.g. --dry-run typed before the "--").

Options:
  --types a,b          document types (default: ${TRACKED_TYPES.join(',')})
  --since ISO-DATE     only documents first published (publishedAt, else _createdAt) at or after this date
  --limit N            read at most N documents in this run (try it out; continue with --resume)
  --dry-run            read and build the events, send nothing, write no checkpoint
  --resume             continue after the checkpoint of an interrupted run
  --checkpoint FILE    checkpoint file (default ${DEFAULT_CHECKPOINT})
  --failures FILE      JSON-lines file for events Heap rejected for good (default ${DEFAULT_FAILURES});
                       runs append to it, earlier failures are kept until --retry-failed re-drives them
  --retry-failed FILE  re-read and re-send the documents listed in a failure file, then rewrite it
                       with what still fails (or append that to --failures FILE)
  --help               this text

Environment:
  SANITY_PROJECT_ID    Sanity project id (required)
  SANITY_DATASET       dataset, e.g. production (required)
  SANITY_API_TOKEN     read token (optional for public datasets)
  SANITY_API_HOST      other API base URL, e.g. a proxy or a local stand-in (optional)
  HEAP_APP_ID          Heap environment id (required), as for the function
  HEAP_API_URL         Heap base URL (default https://heapanalytics.com; EU https://c.eu.heap-api.com)
  HEAP_IDENTITY        Heap identity of content events (default system:sanity-content)
  HEAP_DRY_RUN=1       same as --dry-run

Output: standard output carries only JSON lines (one per notable outcome, for
scripts); standard error carries only lines for people (progress, the summary,
errors and what to do next). The app id and tokens never appear in either, nor
in the checkpoint or the failure file; both files are readable by you only
(mode 0600), and both paths are checked writable before anything is sent.

Pacing: Heap allows 1000 bulk events per minute per identity, so 10,000
documents take about 12 minutes and 100,000 about 2 hours. Ctrl-C finishes the
batch in flight, saves the checkpoint and exits; continue with --resume.

Exit codes: 0 done; 1 done, but some events were rejected (see the failure file);
2 bad flags, environment, or a checkpoint or failure path that cannot be written;
3 stopped early (Heap or Sanity unavailable or unreachable, or Heap rejecting
everything): fix the cause, then --resume; 130 interrupted.`;

const TYPE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const PROJECT_ID = /^[a-z0-9][-a-z0-9]*$/i;
const DATASET = /^~?[a-z0-9][-\w]{0,63}$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export function positiveInteger(flag: string, raw: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new UsageError(`${flag}: expected a whole number from 1 to ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function parseTypes(raw: string | undefined): string[] {
  if (raw === undefined) return [...TRACKED_TYPES];
  const types = [
    ...new Set(
      raw
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  ];
  if (types.length === 0)
    throw new UsageError(`--types: give one or more document types, e.g. --types ${TRACKED_TYPES[0]}`);
  for (const t of types) {
    if (!TYPE_NAME.test(t))
      throw new UsageError(`--types: ${JSON.stringify(t.slice(0, 60))} is not a document type name`);
    if (!(TRACKED_TYPES as readonly string[]).includes(t)) {
      throw new UsageError(
        `--types: ${t} is not a tracked type (the tracking plan tracks ${TRACKED_TYPES.join(', ')})`,
      );
    }
  }
  return types;
}

/** `--since`: an ISO date or date-time (UTC when it has no zone), normalised with toISOString. */
export function parseSince(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  // A date-time without a zone means UTC (Date.parse would read it as local time: be explicit).
  const withZone = /[Tt]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/.test(value) ? `${value}Z` : value;
  const iso = isoTimestamp(withZone);
  if (iso === undefined) {
    throw new UsageError(
      `--since: expected an ISO 8601 date such as 2024-01-31 or 2024-01-31T12:00:00Z, got ${JSON.stringify(raw.slice(0, 60))}`,
    );
  }
  return iso;
}

function required(env: Record<string, string | undefined>, name: string, what: string): string {
  const value = env[name]?.trim() ?? '';
  if (value === '') throw new UsageError(`${name} is not set: ${what}`);
  return value;
}

function readSanity(env: Record<string, string | undefined>): SanityTarget {
  const projectId = required(
    env,
    'SANITY_PROJECT_ID',
    'the Sanity project id (sanity.io/manage, or sanity.cli.ts), e.g. export SANITY_PROJECT_ID=abc123de',
  );
  if (!PROJECT_ID.test(projectId))
    throw new UsageError(
      `SANITY_PROJECT_ID: ${JSON.stringify(projectId.slice(0, 40))} is not a project id (letters, digits and dashes)`,
    );
  const dataset = required(env, 'SANITY_DATASET', 'the dataset to read, e.g. export SANITY_DATASET=production');
  if (!DATASET.test(dataset))
    throw new UsageError(
      `SANITY_DATASET: ${JSON.stringify(dataset.slice(0, 70))} is not a dataset name (lowercase letters, digits, _ and -, at most 64)`,
    );
  const target: SanityTarget = {projectId, dataset};
  const token = env.SANITY_API_TOKEN?.trim();
  if (token) {
    if (/\s/.test(token)) throw new UsageError('SANITY_API_TOKEN contains whitespace; paste the token alone');
    target.token = token;
  }
  const host = env.SANITY_API_HOST?.trim();
  if (host) {
    let url: URL;
    try {
      url = new URL(host);
    } catch {
      throw new UsageError(
        `SANITY_API_HOST: not a URL (${JSON.stringify(host.slice(0, 100))}), e.g. https://api.sanity.io`,
      );
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
      throw new UsageError(
        `SANITY_API_HOST: must be an https URL (http only for 127.0.0.1/localhost), got ${url.protocol}//${url.host}`,
      );
    }
    if (url.username || url.password || url.search || url.hash || url.pathname.replace(/\/+$/, '') !== '') {
      throw new UsageError(
        'SANITY_API_HOST: give the base URL only (scheme, host and port), e.g. https://api.sanity.io',
      );
    }
    target.apiHost = url.origin;
  }
  return target;
}

export const FLAGS = {
  types: {type: 'string'},
  since: {type: 'string'},
  limit: {type: 'string'},
  'dry-run': {type: 'boolean'},
  resume: {type: 'boolean'},
  'retry-failed': {type: 'string'},
  checkpoint: {type: 'string'},
  failures: {type: 'string'},
  help: {type: 'boolean', short: 'h'},
  'batch-size': {type: 'string'},
  'time-scale': {type: 'string'},
} as const;

/** node:util parseArgs (strict, no positionals), its errors as UsageErrors. */
export function parseFlagsOrUsage<T extends ParseArgsOptionsConfig>(argv: readonly string[], options: T) {
  try {
    return parseArgs({args: [...argv], strict: true, allowPositionals: false, options}).values;
  } catch (err) {
    // parseArgs' messages name the flag ("Unknown option '--x'", "Option '--limit <value>' argument missing").
    throw new UsageError(
      err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err),
    );
  }
}

/** The HEAP_* variables, as the function reads them; a problem is a UsageError with the shell's fix. */
export function readHeapConfig(env: Record<string, string | undefined>): HeapConfig {
  try {
    return loadConfig(env);
  } catch (err) {
    // The tools run in your shell: only the local half of the fix applies.
    if (err instanceof ConfigError)
      throw new UsageError(`${err.problem}. Set it with: export ${err.variable}=${err.example}`);
    throw err;
  }
}

/** Parse argv (without `node script`) and the environment. Throws UsageError. */
export function parseCommand(argv: readonly string[], env: Record<string, string | undefined>): ParsedCommand {
  const values = parseFlagsOrUsage(argv, FLAGS);
  if (values.help) return {help: true};

  const retryFailed = values['retry-failed'];
  if (retryFailed !== undefined) {
    if (retryFailed.trim() === '') throw new UsageError('--retry-failed: give the failure file to re-drive');
    for (const flag of ['resume', 'since', 'limit', 'types'] as const) {
      if (values[flag] !== undefined)
        throw new UsageError(
          `--retry-failed re-drives exactly the documents in the file; it cannot be combined with --${flag}`,
        );
    }
  }
  for (const flag of ['checkpoint', 'failures'] as const) {
    if (values[flag] !== undefined && values[flag].trim() === '') throw new UsageError(`--${flag}: give a file path`);
  }
  let timeScale = 1;
  if (values['time-scale'] !== undefined) {
    timeScale = Number(values['time-scale']);
    if (values['time-scale'].trim() === '' || !Number.isFinite(timeScale) || timeScale <= 0 || timeScale > 1) {
      throw new UsageError(
        `--time-scale: expected a number in (0, 1], e.g. 0.01, got ${JSON.stringify(values['time-scale'])}`,
      );
    }
  }

  const types = parseTypes(values.types);
  const since = parseSince(values.since);
  const limit = values.limit === undefined ? undefined : positiveInteger('--limit', values.limit);
  const batchSize =
    values['batch-size'] === undefined
      ? DEFAULT_BATCH_SIZE
      : positiveInteger('--batch-size', values['batch-size'], MAX_BULK_EVENTS / 2);

  const sanity = readSanity(env);
  const heap = readHeapConfig(env);

  const options: BackfillOptions = {
    types,
    dryRun: values['dry-run'] === true || heap.dryRun,
    resume: values.resume === true,
    checkpoint: values.checkpoint ?? DEFAULT_CHECKPOINT,
    failures: values.failures ?? retryFailed ?? DEFAULT_FAILURES,
    batchSize,
    timeScale,
    sanity,
    heap,
  };
  if (since !== undefined) options.since = since;
  if (limit !== undefined) options.limit = limit;
  if (retryFailed !== undefined) options.retryFailed = retryFailed;
  return {help: false, ...options};
}
