/**
 * Secrets: with a recognisable HEAP_APP_ID, Sanity tokens in the environment
 * and another token in the function's context, the exported handler is driven
 * through every outcome (delivered, skipped, Heap's 400 echoing the app id,
 * deadline, dry run, configuration errors, hostile values that end up in
 * warnings and reasons). Everything written to the console, stdout and stderr,
 * and every error thrown to the platform, is captured: none may contain the
 * app id or the token.
 */
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest';
import {createHandler, handler, type LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {projected} from './corpus.ts';
import {functionContext} from './harness.ts';

const APP_ID = '8675309012345';
/** Each token differs (no 6 characters in a row in common), so each must be on the scrub list on its own (at most 40 characters: reasons quote it whole). */
const CONTEXT_TOKEN = 'skCtxA1b2C3d4E5f6G7h8J9k';
const API_TOKEN = 'skApiZ9y8X7w6V5u4T3s2R1q';
const AUTH_TOKEN = 'skAuthM3n4P5q6R7s8T9v0W1';
const SECRETS = [APP_ID, CONTEXT_TOKEN, API_TOKEN, AUTH_TOKEN];
/** No run of this many characters of a secret may appear (the app id's redacted form `86…45` shows 2 + 2). */
const WINDOW = 6;

let heap: LocalHeap;
let output: string[];

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
});
afterAll(async () => {
  await heap?.close();
});
beforeEach(() => {
  heap.reset();
  output = [];
  vi.stubEnv('HEAP_APP_ID', APP_ID);
  vi.stubEnv('HEAP_API_URL', heap.url);
  vi.stubEnv('HEAP_DRY_RUN', '');
  vi.stubEnv('HEAP_IDENTITY', '');
  vi.stubEnv('SANITY_API_TOKEN', API_TOKEN);
  vi.stubEnv('SANITY_AUTH_TOKEN', AUTH_TOKEN);
  const capture = (...args: unknown[]): void => {
    output.push(
      args
        .map((a) => (typeof a === 'string' ? a : a instanceof Error ? `${a.message}\n${a.stack}` : JSON.stringify(a)))
        .join(' '),
    );
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const)
    vi.spyOn(console, method).mockImplementation(capture);
  const write = (chunk: unknown): boolean => {
    output.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write as typeof process.stdout.write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write as typeof process.stderr.write);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

/** Run one invocation; returns the function's one log record and what it threw (as the platform would log it). */
async function run(data: unknown, fn = handler): Promise<{record: LogRecord; records: LogRecord[]; thrown?: string}> {
  let thrown: string | undefined;
  try {
    await fn({context: functionContext(CONTEXT_TOKEN), event: {data}} as Parameters<typeof handler>[0]);
  } catch (error) {
    thrown = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  }
  const records = output.filter((l) => l.startsWith('{"fn"')).map((l) => JSON.parse(l) as LogRecord);
  expect(records).toHaveLength(1);
  return {record: records[0]!, records, ...(thrown !== undefined ? {thrown} : {})};
}

function expectNoSecret(texts: readonly (string | undefined)[]): void {
  const all = texts.filter((t): t is string => t !== undefined);
  expect(all.length).toBeGreaterThan(0);
  for (const text of all) {
    for (const secret of SECRETS) expect(text, 'a secret reached the output').not.toContain(secret);
    for (const secret of SECRETS)
      for (let i = 0; i + WINDOW <= secret.length; i++)
        expect(text, 'part of a secret reached the output').not.toContain(secret.slice(i, i + WINDOW));
  }
}

describe('no secret in any log line or thrown error', () => {
  it('delivered', async () => {
    const r = await run(projected('secret-delivered'));
    expect(r.records.map((x) => x.outcome)).toEqual(['delivered']);
    expect(heap.events()).toHaveLength(1);
    expectNoSecret([...output, r.thrown]);
  });

  it('skipped (a draft)', async () => {
    const r = await run(projected('secret-skipped', {_id: 'drafts.secret-skipped'}));
    expect(r.records.map((x) => x.outcome)).toEqual(['skipped']);
    expectNoSecret([...output, r.thrown]);
  });

  it('skipped, with the secrets inside the reason (an operation holding them)', async () => {
    const r = await run(projected('secret-in-reason', {operation: `${APP_ID} ${CONTEXT_TOKEN}`}));
    expect(r.record.reason).toMatch(/operation is a string/);
    expectNoSecret([...output, r.thrown]);
  });

  // Short enough to be quoted whole in the reason: only the scrubber keeps each one out.
  for (const [name, secret] of [
    ['the app id', APP_ID],
    ["the context's token", CONTEXT_TOKEN],
    ['SANITY_API_TOKEN', API_TOKEN],
    ['SANITY_AUTH_TOKEN', AUTH_TOKEN],
  ] as const) {
    it(`skipped, with an operation equal to ${name}: the reason quotes it redacted`, async () => {
      const r = await run(projected('secret-operation', {operation: secret}));
      expect(r.record.outcome).toBe('skipped');
      expect(r.record.reason).toBe('operation is a string ("[redacted]"), expected "create", "update" or "delete"');
      expectNoSecret([...output, r.thrown]);
    });
  }

  it('delivered, with the secrets inside the warnings (values a warning quotes)', async () => {
    const r = await run(projected('secret-in-warning', {_updatedAt: CONTEXT_TOKEN, locale: APP_ID.repeat(3)}));
    expect(r.record.outcome).toBe('delivered');
    expect(r.record.warnings.join(' ')).toContain('_updatedAt is not an ISO 8601 date-time with a zone ("[redacted]")');
    expectNoSecret([...output, r.thrown]);
  });

  it('failed: Heap answers 400 and echoes the app id', async () => {
    heap.injectFault({status: 400, body: `app_id ${APP_ID} is not a known environment (app_id=${APP_ID})`});
    const r = await run(projected('secret-400'));
    expect(r.record.outcome).toBe('failed');
    expect(r.record.status).toBe(400);
    expect(r.thrown).toMatch(/HTTP 400/);
    expectNoSecret([...output, r.thrown]);
  });

  it('failed: Heap answers 400 and echoes the app id split by whitespace (an HTML page wrapping it)', async () => {
    const [a, b] = [APP_ID.slice(0, 10), APP_ID.slice(10)];
    heap.injectFault({status: 400, body: `<html><body><p>unknown environment ${a}\n      ${b}</p></body></html>`});
    const r = await run(projected('secret-400-split'));
    expect(r.record.outcome).toBe('failed');
    expect(r.record.reason).toContain('unknown environment [redacted]');
    expectNoSecret([...output, r.thrown]);
  });

  it('failed: Heap answers 400 with the app id cut at the read limit (after whitespace the reason collapses)', async () => {
    // Delivery reads 600 characters of a body: the cut leaves the app id's first 8 characters.
    heap.injectFault({status: 400, body: `${' '.repeat(600 - 8)}${APP_ID} is not a known environment`});
    const r = await run(projected('secret-400-cut'));
    expect(r.record.outcome).toBe('failed');
    expect(r.record.reason).toBe('[redacted]');
    expectNoSecret([...output, r.thrown]);
  });

  it('failed: the delivery deadline passes (Heap keeps answering 503)', async () => {
    heap.injectFault({status: 503, count: 100, body: `upstream ${APP_ID} unavailable`});
    const r = await run(projected('secret-deadline'), createHandler({deadlineMs: 400}));
    expect(r.record.outcome).toBe('failed');
    expect(r.thrown).toMatch(/deadline/);
    expectNoSecret([...output, r.thrown]);
  });

  it('failed: Heap hangs past the deadline', async () => {
    heap.injectFault({hang: true});
    const r = await run(projected('secret-hang'), createHandler({deadlineMs: 300}));
    expect(r.record.outcome).toBe('failed');
    expectNoSecret([...output, r.thrown]);
  });

  it('dry run: the logged request carries a redacted app id', async () => {
    vi.stubEnv('HEAP_DRY_RUN', '1');
    const r = await run(projected('secret-dry-run'));
    expect(r.record.outcome).toBe('dry_run');
    expect(r.record.request!.body.app_id).toBe('86…45');
    expect(heap.stats().requests).toBe(0);
    expectNoSecret([...output, r.thrown]);
  });

  it('config error: HEAP_APP_ID with whitespace in it', async () => {
    vi.stubEnv('HEAP_APP_ID', `${APP_ID} ${APP_ID}`);
    const r = await run(projected('secret-config-1'));
    expect(r.record.outcome).toBe('failed');
    expect(r.thrown).toMatch(/HEAP_APP_ID/);
    expectNoSecret([...output, r.thrown]);
  });

  it('config error: HEAP_APP_ID too long', async () => {
    vi.stubEnv('HEAP_APP_ID', APP_ID.repeat(5));
    const r = await run(projected('secret-config-2'));
    expect(r.record.outcome).toBe('failed');
    expectNoSecret([...output, r.thrown]);
  });

  it('config error: the app id pasted into HEAP_API_URL by mistake', async () => {
    vi.stubEnv('HEAP_API_URL', APP_ID);
    const r = await run(projected('secret-config-3'));
    expect(r.record.outcome).toBe('failed');
    expect(r.record.reason).toMatch(/HEAP_API_URL/);
    expectNoSecret([...output, r.thrown]);
  });

  it('config error: HEAP_DRY_RUN holding the token', async () => {
    vi.stubEnv('HEAP_DRY_RUN', CONTEXT_TOKEN);
    const r = await run(projected('secret-config-4'));
    expect(r.record.outcome).toBe('failed');
    expectNoSecret(output);
  });
});
