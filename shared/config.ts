/**
 * The function's configuration, read from the environment in one place.
 *
 * Fails fast: a missing or malformed variable throws a ConfigError whose message
 * names the variable and how to set it. Production values are set with
 * `sanity functions env add heap-content-sync KEY VALUE` (never in the
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
  return `sanity functions env add ${FUNCTION_NAME} ${variable} ${example} (locally: export ${variable}=${example})`;
}

const MAX_APP_ID = 64;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function fail(variable: Variable, problem: string, example: string): never {
  throw new ConfigError(variable, `${variable} ${problem}`, example);
}

function readAppId(raw: string | undefined): string {
  const example = '<your Heap environment id>';
  const value = raw?.trim() ?? '';
  if (value === '') fail('HEAP_APP_ID', 'is not set (the Heap environment id that events are sent to)', example);
  if (/\s/.test(value)) fail('HEAP_APP_ID', 'contains whitespace', example);
  if (value.length > MAX_APP_ID)
    fail('HEAP_APP_ID', `is ${value.length} characters long; a Heap environment id is at most ${MAX_APP_ID}`, example);
  return value;
}

function readApiUrl(raw: string | undefined): string {
  const example = EU_HEAP_API_URL;
  const value = raw?.trim() ?? '';
  if (value === '') return DEFAULT_HEAP_API_URL;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(
      'HEAP_API_URL',
      `is not a URL (${value.length} characters; the value is not repeated here in case it is a secret)`,
      example,
    );
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    fail(
      'HEAP_API_URL',
      `must be an https URL (http only for 127.0.0.1/localhost), got ${url.protocol}//${url.host}`,
      example,
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    fail('HEAP_API_URL', 'must be a plain base URL without credentials, query or fragment', example);
  }
  if (url.pathname.replace(/\/+$/, '').endsWith('/api/track')) {
    fail('HEAP_API_URL', `is the base URL, without /api/track (e.g. ${DEFAULT_HEAP_API_URL})`, example);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function readIdentity(raw: string | undefined): string {
  const example = DEFAULT_IDENTITY;
  if (raw === undefined || raw.trim() === '') return DEFAULT_IDENTITY;
  if (raw.length > MAX_IDENTITY)
    fail('HEAP_IDENTITY', `is ${raw.length} characters long; Heap allows at most ${MAX_IDENTITY}`, example);
  return raw;
}

function readDryRun(raw: string | undefined): boolean {
  const value = raw?.trim().toLowerCase() ?? '';
  if (value === '' || value === '0' || value === 'false') return false;
  if (value === '1' || value === 'true') return true;
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
