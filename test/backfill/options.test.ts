import {describe, expect, it} from 'vitest';
import {DEFAULT_CHECKPOINT, DEFAULT_FAILURES, HELP, parseCommand, UsageError} from '../../backfill/options.ts';
import {TRACKED_TYPES} from '../../shared/tracking-plan.ts';

const env = {SANITY_PROJECT_ID: 'abc123de', SANITY_DATASET: 'production', HEAP_APP_ID: '1234567890'};

function options(argv: string[], e: Record<string, string | undefined> = env) {
  const parsed = parseCommand(argv, e);
  if (parsed.help) throw new Error('unexpected help');
  return parsed;
}

function usage(argv: string[], e: Record<string, string | undefined> = env): string {
  try {
    parseCommand(argv, e);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('parseCommand', () => {
  it('defaults: the plan’s tracked types, default files, batches of 100, Heap config from HEAP_*', () => {
    const o = options([]);
    expect(o.types).toEqual([...TRACKED_TYPES]);
    expect(o.checkpoint).toBe(DEFAULT_CHECKPOINT);
    expect(o.failures).toBe(DEFAULT_FAILURES);
    expect(o.batchSize).toBe(100);
    expect(o.timeScale).toBe(1);
    expect(o.dryRun).toBe(false);
    expect(o.resume).toBe(false);
    expect(o.sanity).toEqual({projectId: 'abc123de', dataset: 'production'});
    expect(o.heap).toMatchObject({
      appId: '1234567890',
      apiUrl: 'https://heapanalytics.com',
      identity: 'system:sanity-content',
    });
  });

  it('reads every flag', () => {
    const o = options(
      [
        '--types',
        'article, docsPage',
        '--since',
        '2024-01-31',
        '--limit',
        '50',
        '--dry-run',
        '--resume',
        '--checkpoint',
        'c.json',
        '--failures',
        'f.jsonl',
        '--batch-size',
        '20',
        '--time-scale',
        '0.01',
      ],
      {...env, SANITY_API_TOKEN: 'sk-token', SANITY_API_HOST: 'http://127.0.0.1:9999/'},
    );
    expect(o).toMatchObject({
      types: ['article', 'docsPage'],
      since: '2024-01-31T00:00:00.000Z',
      limit: 50,
      dryRun: true,
      resume: true,
      checkpoint: 'c.json',
      failures: 'f.jsonl',
      batchSize: 20,
      timeScale: 0.01,
    });
    expect(o.sanity).toEqual({
      projectId: 'abc123de',
      dataset: 'production',
      token: 'sk-token',
      apiHost: 'http://127.0.0.1:9999',
    });
  });

  it('--since: a date-time without a zone is UTC; with one it is converted', () => {
    expect(options(['--since', '2024-01-31T12:00']).since).toBe('2024-01-31T12:00:00.000Z');
    expect(options(['--since', '2024-01-31T12:00:00+02:00']).since).toBe('2024-01-31T10:00:00.000Z');
  });

  it('HEAP_DRY_RUN=1 means --dry-run; --retry-failed rewrites its own file unless --failures is given', () => {
    expect(options([], {...env, HEAP_DRY_RUN: '1'}).dryRun).toBe(true);
    expect(options(['--retry-failed', 'x.jsonl']).failures).toBe('x.jsonl');
    expect(options(['--retry-failed', 'x.jsonl', '--failures', 'y.jsonl']).failures).toBe('y.jsonl');
  });

  it('--help needs no environment', () => {
    expect(parseCommand(['--help'], {})).toEqual({help: true});
    expect(HELP).toMatch(/--resume/);
    expect(HELP).toMatch(/SANITY_API_HOST/);
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['positional'], /positional/i],
    [['--limit'], /argument missing/],
    [['--limit', '0'], /--limit: expected a whole number/],
    [['--limit', '2.5'], /--limit/],
    [['--since', 'yesterday'], /--since: expected an ISO 8601 date/],
    [['--since', '2024-13-45'], /--since/],
    [['--since', '2023-02-29'], /--since/],
    [['--types', ''], /--types: give one or more/],
    [['--types', 'author'], /author is not a tracked type/],
    [['--types', 'a b'], /not a document type name/],
    [['--batch-size', '1000'], /--batch-size/],
    [['--time-scale', '2'], /--time-scale/],
    [['--retry-failed', 'f.jsonl', '--resume'], /cannot be combined with --resume/],
    [['--checkpoint', ''], /--checkpoint: give a file path/],
  ])('%j → a clear usage error', (argv, message) => {
    expect(usage(argv)).toMatch(message);
  });

  it.each([
    [{SANITY_PROJECT_ID: undefined}, /SANITY_PROJECT_ID is not set/],
    [{SANITY_DATASET: ''}, /SANITY_DATASET is not set/],
    [{SANITY_DATASET: 'Prod!'}, /SANITY_DATASET: "Prod!" is not a dataset name/],
    [{SANITY_API_HOST: 'http://example.com'}, /SANITY_API_HOST: must be an https URL/],
    [{SANITY_API_HOST: 'https://example.com/v1'}, /base URL only/],
    [{HEAP_APP_ID: undefined}, /HEAP_APP_ID is not set.*export HEAP_APP_ID=/],
    [{HEAP_API_URL: 'ftp://x'}, /HEAP_API_URL/],
  ])('environment %j → a clear usage error', (change, message) => {
    expect(usage([], {...env, ...change})).toMatch(message);
  });
});
