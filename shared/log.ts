/**
 * One structured JSON log line, with secrets redacted.
 *
 * Redaction happens twice: by key (`app_id` is shortened with redactAppId,
 * anything named like a token, secret, password or authorization is replaced),
 * and by value (every occurrence of a known secret, e.g. the configured app id
 * or the context's token, is removed from every string, wherever it appears).
 * Long strings are cut so a proxy's HTML error page cannot flood the log.
 */
import {redactAppId} from './config.ts';

export type LogFields = Record<string, unknown>;

export interface LogOptions {
  /** Values that must never appear in the line (app id, tokens). Shorter than 4 characters: ignored. */
  secrets?: readonly (string | undefined)[];
  /** Where the line goes; default console.log (stdout is what `sanity functions test/logs` shows). */
  write?: (line: string) => void;
}

export const REDACTED = '[redacted]';
const SECRET_KEY = /token|secret|password|authorization|api[_-]?key/i;
const APP_ID_KEY = /^app_?id$/i;
const MAX_STRING = 2000;

/** The secrets that count (at least 4 characters), longest first so a secret containing another is removed whole. */
function knownSecrets(secrets: readonly (string | undefined)[]): string[] {
  return secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4).sort((a, b) => b.length - a.length);
}

function redact(text: string, known: readonly string[]): string {
  let out = text;
  for (const secret of known) out = out.split(secret).join(REDACTED);
  return out;
}

/** `text` with every secret (at least 4 characters) replaced by REDACTED. */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  return redact(text, knownSecrets(secrets));
}

function scrub(text: string, secrets: readonly string[]): string {
  const out = redact(text, secrets);
  return out.length > MAX_STRING ? `${out.slice(0, MAX_STRING)}… (${out.length} characters)` : out;
}

function replacerFor(secrets: readonly string[]) {
  return (key: string, value: unknown): unknown => {
    if (key !== '' && SECRET_KEY.test(key) && value !== null && value !== undefined) return REDACTED;
    if (APP_ID_KEY.test(key) && typeof value === 'string') return redactAppId(value);
    if (typeof value === 'string') return scrub(value, secrets);
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return scrub(value.message, secrets);
    return value;
  };
}

/** The JSON line for `fields`, redacted. Pure: for tests and for callers that write elsewhere. */
export function formatLogLine(fields: LogFields, secrets: LogOptions['secrets'] = []): string {
  const replacer = replacerFor(knownSecrets(secrets));
  try {
    return JSON.stringify(fields, replacer);
  } catch (error) {
    // A circular structure: keep the top-level scalars, say what went wrong.
    const flat = Object.fromEntries(Object.entries(fields).filter(([, v]) => v === null || typeof v !== 'object'));
    return JSON.stringify({...flat, log_error: error instanceof Error ? error.message : String(error)}, replacer);
  }
}

/** Write one redacted JSON line; returns it. */
export function logLine(fields: LogFields, options: LogOptions = {}): string {
  const line = formatLogLine(fields, options.secrets);
  (options.write ?? console.log)(line);
  return line;
}
