/**
 * The function's configuration, read from the environment in one place.
 *
 * Fails fast: a missing or malformed variable throws a ConfigError whose message
 * names the variable and how to set it, with an example that fits the value
 * given (the https form of an http URL, the value without its quotes, ...).
 * Production values are set with
 * `npx sanity-run functions env add heap-content-sync KEY VALUE` (never in the
 * blueprint's `env`, which is committed and overrides the shell locally).
 */
import {FUNCTION_NAME} from './function-settings.ts';
import {DEFAULT_HEAP_API_URL, EU_HEAP_API_URL, MAX_IDENTITY} from './heap-rules.ts';
import {DEFAULT_IDENTITY} from './tracking-plan.ts';

export interface HeapConfig {
  /** Heap environment id (the body's `app_id`). Never log it in full: see redactAppId. */
  appId: string;
  /** Base URL, no trailing slash: `https://heapanalytics.com`, `https://c.eu.heap-api.com`, or Local Heap. */
  apiUrl: string;
  /** The Heap identity every content event belongs to. */
  identity: string;
  /** Log the exact request instead of sending it. */
  dryRun: boolean;
}

export class ConfigError extends Error {
  readonly variable: Variable;
  /** What is wrong, starting with the variable's name (the message without the fix). */
  readonly problem: string;
  /** A well-formed example value. */
  readonly example: string;
  /** The commands that set the variable (deployed, and locally). */
  readonly fix: string;
  constructor(variable: Variable, problem: string, example: string) {
    const fix = howToSet(variable, example);
    super(`${problem}. Set it with: ${fix}`);
    this.name = 'ConfigError';
    this.variable = variable;
    this.problem = problem;
    this.example = example;
    this.fix = fix;
  }
}

export const CONFIG_VARIABLES = ['HEAP_APP_ID', 'HEAP_API_URL', 'HEAP_IDENTITY', 'HEAP_DRY_RUN'] as const;
type Variable = (typeof CONFIG_VARIABLES)[number];

/** The commands that set a variable, deployed and locally. */
export function howToSet(variable: Variable, example: string): string {
  return `npx sanity-run functions env add ${FUNCTION_NAME} ${variable} ${example} (locally: export ${variable}=${example})`;
}

const MAX_APP_ID = 64;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const APP_ID_EXAMPLE = '<your Heap environment id>';

function fail(variable: Variable, problem: string, example: string): never {
  throw new ConfigError(variable, `${variable} ${problem}`, example);
}

/** A value wrapped in matching quotes (`"..."` or `'...'`): a .env file or a shell kept them. */
function unquoted(value: string): string | undefined {
  const match = /^(["'])(.*)\1$/s.exec(value);
  return match ? match[2] : undefined;
}

const QUOTED = 'is wrapped in quotes, which would be sent as part of the value; set it without them';

function readAppId(raw: string | undefined): string {
  const value = raw?.trim() ?? '';
  if (value === '') fail('HEAP_APP_ID', 'is not set (the Heap environment id that events are sent to)', APP_ID_EXAMPLE);
  if (unquoted(value) !== undefined) fail('HEAP_APP_ID', QUOTED, APP_ID_EXAMPLE);
  if (/\s/.test(value)) fail('HEAP_APP_ID', 'contains whitespace', APP_ID_EXAMPLE);
  if (value.length > MAX_APP_ID)
    fail(
      'HEAP_APP_ID',
      `is ${value.length} characters long; a Heap environment id is at most ${MAX_APP_ID}`,
      APP_ID_EXAMPLE,
    );
  if (!/^\d+$/.test(value))
    fail(
      'HEAP_APP_ID',
      `must be digits only (a Heap environment id looks like 1234567890); this value of ${value.length} characters has other characters`,
      APP_ID_EXAMPLE,
    );
  return value;
}

function readApiUrl(raw: string | undefined): string {
  const value = raw?.trim() ?? '';
  if (value === '') return DEFAULT_HEAP_API_URL;
  const inner = unquoted(value);
  if (inner !== undefined)
    fail('HEAP_API_URL', QUOTED, URL.canParse(inner.trim()) ? inner.trim() : DEFAULT_HEAP_API_URL);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(
      'HEAP_API_URL',
      `is not a URL (${value.length} characters; the value is not repeated here in case it is a secret); Heap's are ${DEFAULT_HEAP_API_URL} (US) and ${EU_HEAP_API_URL} (EU)`,
      DEFAULT_HEAP_API_URL,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    fail(
      'HEAP_API_URL',
      `must be an https URL (http only for 127.0.0.1/localhost), got ${url.protocol}//${url.host}`,
      `https://${url.host}${path}`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(
      'HEAP_API_URL',
      `must be an https URL, got ${url.protocol}//${url.host}; Heap's are ${DEFAULT_HEAP_API_URL} (US) and ${EU_HEAP_API_URL} (EU)`,
      DEFAULT_HEAP_API_URL,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    fail('HEAP_API_URL', 'must be a plain base URL without credentials, query or fragment', `${url.origin}${path}`);
  }
  if (path.endsWith('/api/track')) {
    fail(
      'HEAP_API_URL',
      'is the base URL, without /api/track (the function adds it)',
      `${url.origin}${path.slice(0, -'/api/track'.length)}`,
    );
  }
  return `${url.origin}${path}`;
}

function readIdentity(raw: string | undefined): string {
  const example = DEFAULT_IDENTITY;
  if (raw === undefined || raw.trim() === '') return DEFAULT_IDENTITY;
  const inner = unquoted(raw.trim());
  if (inner !== undefined) fail('HEAP_IDENTITY', QUOTED, inner || DEFAULT_IDENTITY);
  if (raw.length > MAX_IDENTITY)
    fail('HEAP_IDENTITY', `is ${raw.length} characters long; Heap allows at most ${MAX_IDENTITY}`, example);
  return raw;
}

function readDryRun(raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
  const inner = unquoted(value);
  if (inner === '1' || inner === 'true') fail('HEAP_DRY_RUN', QUOTED, '1');
  if (inner === '0' || inner === 'false') fail('HEAP_DRY_RUN', QUOTED, '0');
  return fail(
    'HEAP_DRY_RUN',
    `must be 1 or 0 (also accepted: true, false), got a value of ${raw?.length ?? 0} characters`,
    '1',
  );
}

/** Read and validate the configuration; throws ConfigError on the first problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HeapConfig {
  return {
    appId: readAppId(env.HEAP_APP_ID),
    apiUrl: readApiUrl(env.HEAP_API_URL),
    identity: readIdentity(env.HEAP_IDENTITY),
    dryRun: readDryRun(env.HEAP_DRY_RUN),
  };
}

/** The app id as it may appear in logs: never in full (`12…89`). */
export function redactAppId(id: string): string {
  if (id.length < 8) return '…';
  return `${id.slice(0, 2)}…${id.slice(-2)}`;
}
