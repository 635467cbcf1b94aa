/** shared/config.ts (fail fast, clear messages), shared/log.ts (one line, redacted), the settings and the blueprint. */
import {describe, expect, it} from 'vitest';
import blueprint, {datasetResource} from '../../sanity.blueprint.ts';
import {ConfigError, loadConfig, redactAppId} from '../../shared/config.ts';
import {
  DELIVERY_DEADLINE_MS,
  FUNCTION_MEMORY_GB,
  FUNCTION_NAME,
  FUNCTION_SAFETY_MARGIN_SECONDS,
  FUNCTION_TIMEOUT_SECONDS,
} from '../../shared/function-settings.ts';
import {FUNCTION_PROJECTION, functionFilter} from '../../shared/groq.ts';
import {formatLogLine, logLine, REDACTED, Scrubber} from '../../shared/log.ts';

const APP_ID = '4242424242';

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults: US endpoint, system identity, no dry run', () => {
    expect(loadConfig({HEAP_APP_ID: APP_ID})).toEqual({
      appId: APP_ID,
      apiUrl: 'https://heapanalytics.com',
      identity: 'system:sanity-content',
      dryRun: false,
    });
  });

  it('reads every variable; trims the app id; drops a trailing slash from the URL', () => {
    expect(
      loadConfig({
        HEAP_APP_ID: ` ${APP_ID} `,
        HEAP_API_URL: 'https://c.eu.heap-api.com/',
        HEAP_IDENTITY: 'system:staging',
        HEAP_DRY_RUN: '1',
      }),
    ).toEqual({appId: APP_ID, apiUrl: 'https://c.eu.heap-api.com', identity: 'system:staging', dryRun: true});
    expect(loadConfig({HEAP_APP_ID: APP_ID, HEAP_API_URL: 'http://127.0.0.1:4300'}).apiUrl).toBe(
      'http://127.0.0.1:4300',
    );
    expect(loadConfig({HEAP_APP_ID: APP_ID, HEAP_DRY_RUN: '0'}).dryRun).toBe(false);
  });

  const bad: [string, Record<string, string | undefined>, string, RegExp][] = [
    ['HEAP_APP_ID missing', {}, 'HEAP_APP_ID', /HEAP_APP_ID is not set/],
    ['HEAP_APP_ID blank', {HEAP_APP_ID: '   '}, 'HEAP_APP_ID', /HEAP_APP_ID is not set/],
    ['HEAP_APP_ID with a space', {HEAP_APP_ID: '42 42'}, 'HEAP_APP_ID', /contains whitespace/],
    ['HEAP_APP_ID too long', {HEAP_APP_ID: '4'.repeat(65)}, 'HEAP_APP_ID', /65 characters long/],
    ['HEAP_API_URL not a URL', {HEAP_APP_ID: APP_ID, HEAP_API_URL: 'heapanalytics'}, 'HEAP_API_URL', /is not a URL/],
    [
      'HEAP_API_URL plain http to a remote host',
      {HEAP_APP_ID: APP_ID, HEAP_API_URL: 'http://heapanalytics.com'},
      'HEAP_API_URL',
      /must be an https URL/,
    ],
    [
      'HEAP_API_URL with /api/track',
      {HEAP_APP_ID: APP_ID, HEAP_API_URL: 'https://heapanalytics.com/api/track'},
      'HEAP_API_URL',
      /without \/api\/track/,
    ],
    [
      'HEAP_API_URL with a query',
      {HEAP_APP_ID: APP_ID, HEAP_API_URL: 'https://heapanalytics.com/?x=1'},
      'HEAP_API_URL',
      /plain base URL/,
    ],
    [
      'HEAP_IDENTITY over 255',
      {HEAP_APP_ID: APP_ID, HEAP_IDENTITY: 'x'.repeat(256)},
      'HEAP_IDENTITY',
      /256 characters long; Heap allows at most 255/,
    ],
    ['HEAP_DRY_RUN not 0/1', {HEAP_APP_ID: APP_ID, HEAP_DRY_RUN: 'yes please'}, 'HEAP_DRY_RUN', /must be 1 or 0/],
  ];
  for (const [name, env, variable, message] of bad) {
    it(`fails fast: ${name}`, () => {
      const error = configError(env);
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`npx sanity-run functions env add heap-content-sync ${variable} `);
    });
  }

  it.each([
    ['the https form of an http Heap URL (US stays US)', 'http://heapanalytics.com', 'https://heapanalytics.com'],
    ['the https form of an http Heap URL (EU stays EU)', 'http://c.eu.heap-api.com/', 'https://c.eu.heap-api.com'],
    ['the base of a URL ending in /api/track', 'https://c.eu.heap-api.com/api/track', 'https://c.eu.heap-api.com'],
    ['the URL without its query', 'https://heapanalytics.com/?x=1', 'https://heapanalytics.com'],
    ['the URL without its quotes', '"https://c.eu.heap-api.com"', 'https://c.eu.heap-api.com'],
    ['the US default for something that is not a URL', 'heapanalytics', 'https://heapanalytics.com'],
  ])('HEAP_API_URL: the fix gives %s', (_name, value, fixed) => {
    const error = configError({HEAP_APP_ID: APP_ID, HEAP_API_URL: value});
    expect(error.example).toBe(fixed);
    expect(error.fix).toBe(
      `npx sanity-run functions env add heap-content-sync HEAP_API_URL ${fixed} (locally: export HEAP_API_URL=${fixed})`,
    );
    expect(loadConfig({HEAP_APP_ID: APP_ID, HEAP_API_URL: fixed}).apiUrl).toBe(fixed);
  });

  it.each([
    ['letters', 'abc', /must be digits only/],
    ['a name', 'my-heap-env', /must be digits only/],
    ['double quotes kept', `"${APP_ID}"`, /wrapped in quotes/],
    ['single quotes kept', `'${APP_ID}'`, /wrapped in quotes/],
  ])('HEAP_APP_ID: rejects %s, without repeating the value', (_name, value, reason) => {
    const error = configError({HEAP_APP_ID: value});
    expect(error.variable).toBe('HEAP_APP_ID');
    expect(error.message).toMatch(reason);
    expect(error.message).not.toContain(value);
    expect(error.message).not.toContain(APP_ID);
  });

  it('quotes on the other variables are named too, with the unquoted value as the fix', () => {
    expect(configError({HEAP_APP_ID: APP_ID, HEAP_DRY_RUN: '"1"'})).toMatchObject({
      variable: 'HEAP_DRY_RUN',
      example: '1',
    });
    expect(configError({HEAP_APP_ID: APP_ID, HEAP_IDENTITY: "'system:cms'"})).toMatchObject({
      variable: 'HEAP_IDENTITY',
      example: 'system:cms',
    });
  });

  it('never puts the app id in a message', () => {
    const error = configError({HEAP_APP_ID: APP_ID, HEAP_API_URL: 'ftp://example.com'});
    expect(error.message).not.toContain(APP_ID);
  });
});

describe('redactAppId', () => {
  it('keeps only the ends of a real-length id, nothing of a short one', () => {
    expect(redactAppId('1234567890')).toBe('12…90');
    expect(redactAppId('1234567')).toBe('…');
  });
});

describe('function settings', () => {
  it('derives the delivery deadline from the timeout, leaving the safety margin', () => {
    expect(DELIVERY_DEADLINE_MS).toBe((FUNCTION_TIMEOUT_SECONDS - FUNCTION_SAFETY_MARGIN_SECONDS) * 1000);
    expect(DELIVERY_DEADLINE_MS).toBeGreaterThan(0);
    expect(DELIVERY_DEADLINE_MS).toBeLessThan(FUNCTION_TIMEOUT_SECONDS * 1000);
  });
});

describe('log lines', () => {
  it('one line of JSON', () => {
    const line = formatLogLine({fn: 'x', outcome: 'delivered', warnings: ['a\nb']});
    expect(line).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({fn: 'x', outcome: 'delivered', warnings: ['a\nb']});
  });

  it('redacts secrets by key and by value, everywhere', () => {
    const token = 'skLiveTokenValue0123456789';
    const line = formatLogLine(
      {
        reason: `Heap said: unknown app ${APP_ID}`,
        request: {body: {app_id: APP_ID, events: [{note: `x${APP_ID}y`}]}},
        clientOptions: {token, projectId: 'p1'},
        headers: {Authorization: `Bearer ${token}`},
        nested: [[`token=${token}`]],
      },
      [APP_ID, token],
    );
    expect(line).not.toContain(APP_ID);
    expect(line).not.toContain(token);
    const parsed = JSON.parse(line);
    expect(parsed.reason).toBe(`Heap said: unknown app ${REDACTED}`);
    expect(parsed.request.body.app_id).toBe('42…42');
    expect(parsed.request.body.events[0].note).toBe(`x${REDACTED}y`);
    expect(parsed.clientOptions).toEqual({token: REDACTED, projectId: 'p1'});
    expect(parsed.headers.Authorization).toBe(REDACTED);
    expect(parsed.nested[0][0]).toBe(`token=${REDACTED}`);
  });

  it('cuts huge strings and survives circular structures', () => {
    const huge = formatLogLine({reason: '<html>'.repeat(2000)});
    expect(JSON.parse(huge).reason.length).toBeLessThan(2100);
    const circular: Record<string, unknown> = {fn: 'x', outcome: 'failed'};
    circular.self = circular;
    const parsed = JSON.parse(formatLogLine(circular));
    expect(parsed).toMatchObject({fn: 'x', outcome: 'failed'});
    expect(parsed.log_error).toMatch(/circular/i);
  });

  it('logLine writes exactly the formatted line once', () => {
    const lines: string[] = [];
    const returned = logLine({fn: 'x', app_id: APP_ID}, {write: (l) => lines.push(l)});
    expect(lines).toEqual([returned]);
    expect(returned).not.toContain(APP_ID);
  });
});

describe('the scrubber', () => {
  const token = 'skQ7zt0987654321XyWvKp';
  const scrubber = new Scrubber([APP_ID, token, undefined, 'abc']);

  it('redacts a secret whole, and split by whitespace', () => {
    expect(scrubber.text(`a ${token} b`)).toBe(`a ${REDACTED} b`);
    expect(scrubber.text(`id ${APP_ID.slice(0, 4)}\n   ${APP_ID.slice(4)}!`)).toBe(`id ${REDACTED}!`);
    // Shorter than 4 characters: not a secret (it would match everywhere).
    expect(scrubber.text('abc')).toBe('abc');
  });

  it('redacts any run of 6 characters of a secret, wherever it is (an echo cut by someone else)', () => {
    expect(scrubber.text(`Bearer ${token.slice(0, 9)}…)`)).toBe(`Bearer ${REDACTED}…)`);
    expect(scrubber.text(`…${token.slice(-7)}`)).toBe(`…${REDACTED}`);
    expect(scrubber.text(`x${token.slice(0, 5)}y`)).toBe(`x${token.slice(0, 5)}y`);
  });

  it('where it cuts, redacts a beginning of 3 characters or more left at the cut', () => {
    expect(scrubber.cutEnd(`reason ${token.slice(0, 3)}`)).toBe(`reason ${REDACTED}`);
    expect(scrubber.cutEnd(`reason ${token.slice(0, 2)}`)).toBe(`reason ${token.slice(0, 2)}`);
    // One line, cut, scrubbed after each step: the cut lands inside the secret.
    const line = scrubber.line(`${'word '.repeat(10)}\n\n${token}`, 55);
    expect(line).not.toMatch(/skQ/);
    expect(line.length).toBeLessThanOrEqual(55);
    expect(scrubber.line(`${' '.repeat(50)}${APP_ID.slice(0, 5)}`, 300, {truncated: true})).toBe(REDACTED);
  });

  it('scrubs every string of a value written as JSON, keys too', () => {
    expect(JSON.parse(scrubber.json({[token]: [`x ${APP_ID}`], n: 1}))).toEqual({
      [REDACTED]: [`x ${REDACTED}`],
      n: 1,
    });
  });
});

describe('the blueprint', () => {
  it('declares heap-content-sync on create/update/delete with the generated GROQ, the settings and no env', () => {
    const [fn, ...rest] = blueprint().resources ?? [];
    expect(rest).toEqual([]);
    expect(fn).toMatchObject({
      type: 'sanity.function.document',
      name: FUNCTION_NAME,
      src: `functions/${FUNCTION_NAME}`,
      timeout: FUNCTION_TIMEOUT_SECONDS,
      memory: FUNCTION_MEMORY_GB,
      event: {on: ['create', 'update', 'delete'], filter: functionFilter(), projection: FUNCTION_PROJECTION},
    });
    expect((fn as {env?: unknown}).env).toBeUndefined();
  });

  it('scopes to one dataset only when SANITY_PROJECT_ID and SANITY_FUNCTION_DATASET are both set', () => {
    expect(datasetResource({})).toBeUndefined();
    expect(datasetResource({SANITY_PROJECT_ID: 'abc123'})).toBeUndefined();
    expect(datasetResource({SANITY_PROJECT_ID: 'abc123', SANITY_FUNCTION_DATASET: 'production'})).toEqual({
      type: 'dataset',
      id: 'abc123.production',
    });
    expect(() => datasetResource({SANITY_FUNCTION_DATASET: 'production'})).toThrow(/needs SANITY_PROJECT_ID/);
    expect(() => datasetResource({SANITY_PROJECT_ID: 'abc123', SANITY_FUNCTION_DATASET: 'Prod Data'})).toThrow(
      /not a Sanity dataset name/,
    );
    expect(() => datasetResource({SANITY_PROJECT_ID: 'abc.123', SANITY_FUNCTION_DATASET: 'production'})).toThrow(
      /not a Sanity project id/,
    );
  });
});
