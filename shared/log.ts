/**
 * One structured JSON log line, with secrets redacted; and the one secret
 * scrubber every output path uses (the function's log line and thrown errors,
 * the backfill's stdout, stderr, checkpoint and failure file, the doctor).
 *
 * Redaction happens twice: by key (`app_id` is shortened with redactAppId,
 * anything named like a token, secret, password or authorization is replaced),
 * and by value (every occurrence of a known secret, e.g. the configured app id
 * or the context's token, is removed from every string, wherever it appears).
 *
 * A secret is found even when a server echoes it split by whitespace (an
 * HTML page wrapping it, a body collapsed onto one line), and so is any run
 * of FRAGMENT_MIN or more of its characters anywhere (a library or a proxy
 * that cut the echo short: @sanity/client shortens HTML error bodies).
 * Text is scrubbed again after every change that could bring pieces of one
 * together (collapsing whitespace, cutting). Where this code cuts text (a
 * body read only up to a limit, a long string shortened), a beginning of a
 * secret left at the cut (PARTIAL_MIN characters or more) is redacted too.
 * Files (json) get the whole-secret rule only: they hold identifiers (a
 * document id, the checkpoint's cursor, a hash) that must survive unchanged,
 * and any text in them that came from a server was scrubbed fully before.
 * Long strings are cut so a proxy's HTML error page cannot flood the log.
 */
import {redactAppId} from './config.ts';

export type LogFields = Record<string, unknown>;
export type Secrets = readonly (string | undefined)[];

export interface LogOptions {
  /** Values that must never appear in the line (app id, tokens). Shorter than 4 characters: ignored. */
  secrets?: Secrets;
  /** Where the line goes; default console.log (stdout is what `sanity functions test/logs` shows). */
  write?: (line: string) => void;
}

export const REDACTED = '[redacted]';
/** Secrets shorter than this are ignored (they would match everywhere). */
export const SECRET_MIN = 4;
/** Any run of this many characters of a secret is redacted, wherever it is (redactAppId shows 2 + 2). */
export const FRAGMENT_MIN = 6;
/** The beginning of a secret left at a cut is redacted from this many characters on (redactAppId shows 2). */
export const PARTIAL_MIN = 3;
const SECRET_KEY = /token|secret|password|authorization|api[_-]?key/i;
const APP_ID_KEY = /^app_?id$/i;
const MAX_STRING = 2000;

const escapeRegex = (c: string): string => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/** Removes known secrets from text; see the module comment. Build one per set of secrets. */
export class Scrubber {
  /** The secrets without whitespace, at least SECRET_MIN characters, longest first. */
  readonly #secrets: string[];
  /** Every secret, with any whitespace between its characters. */
  readonly #whole: RegExp | undefined;
  /** Per secret: a beginning of it (longest first), any whitespace inside, at the end of the text. */
  readonly #partials: RegExp[];
  /** Every run of FRAGMENT_MIN characters of a secret → where it starts in which secret. */
  readonly #fragments = new Map<string, {secret: string; at: number}[]>();

  /** The secrets it removes (without whitespace), to hand to another scrubbing step. */
  get secrets(): readonly string[] {
    return this.#secrets;
  }

  constructor(secrets: Secrets) {
    const known = secrets
      .filter((s): s is string => typeof s === 'string')
      .map((s) => s.replace(/\s+/g, ''))
      .filter((s) => s.length >= SECRET_MIN)
      .sort((a, b) => b.length - a.length);
    this.#secrets = [...new Set(known)];
    const spaced = (s: string): string => [...s].map(escapeRegex).join('\\s*');
    this.#whole = this.#secrets.length > 0 ? new RegExp(this.#secrets.map(spaced).join('|'), 'g') : undefined;
    // a(?:\s*b(?:\s*c)?)?\s*$ : the leftmost match is the longest beginning that reaches the end.
    this.#partials = this.#secrets.map((s) => {
      const chars = [...s].slice(0, -1).map(escapeRegex);
      const nested = chars.reduceRight((inner, c, i) => (i === 0 ? `${c}${inner}` : `(?:\\s*${c}${inner})?`), '');
      return new RegExp(`${nested}\\s*$`);
    });
    for (const secret of this.#secrets) {
      for (let at = 0; at + FRAGMENT_MIN <= secret.length; at++) {
        const key = secret.slice(at, at + FRAGMENT_MIN);
        this.#fragments.set(key, [...(this.#fragments.get(key) ?? []), {secret, at}]);
      }
    }
  }

  /** `text` with every secret (also split by whitespace), and every run of FRAGMENT_MIN of its characters, replaced by REDACTED. */
  text(text: string): string {
    if (!this.#whole) return text;
    return this.#withoutFragments(this.whole(text));
  }

  /** Scanning left to right, the first window that is part of a secret starts the longest such run there. */
  #withoutFragments(text: string): string {
    let out = '';
    let last = 0;
    let i = 0;
    while (i + FRAGMENT_MIN <= text.length) {
      const hits = this.#fragments.get(text.slice(i, i + FRAGMENT_MIN));
      if (!hits) {
        i += 1;
        continue;
      }
      let end = i + FRAGMENT_MIN;
      for (const {secret, at} of hits) {
        let k = FRAGMENT_MIN;
        while (i + k < text.length && at + k < secret.length && text[i + k] === secret[at + k]) k += 1;
        end = Math.max(end, i + k);
      }
      out += `${text.slice(last, i)}${REDACTED}`;
      last = end;
      i = end;
    }
    return last === 0 ? text : out + text.slice(last);
  }

  /** `text` was cut after its end: also redact a beginning of a secret (PARTIAL_MIN characters or more) left there. */
  cutEnd(text: string): string {
    let out = this.text(text);
    for (const partial of this.#partials) {
      const m = partial.exec(out);
      if (m && m[0].replace(/\s+/g, '').length >= PARTIAL_MIN) out = `${out.slice(0, m.index)}${REDACTED}`;
    }
    return out;
  }

  /**
   * One line of at most `max` characters: scrubbed, whitespace collapsed, cut with `…`,
   * scrubbed after each step. `truncated`: the text itself was already cut at its end
   * (e.g. a body read only up to a limit).
   */
  line(text: string, max: number, o: {truncated?: boolean} = {}): string {
    let out = o.truncated ? this.cutEnd(text) : this.text(text);
    out = this.text(out.replace(/\s+/g, ' ').trim());
    if (out.length > max) out = `${this.cutEnd(out.slice(0, max - 1))}…`;
    return out;
  }

  /** `text` without any whole secret (also split by whitespace); fragments are left alone. */
  whole(text: string): string {
    return this.#whole ? text.replace(this.#whole, REDACTED) : text;
  }

  /** JSON text of `value` with every whole secret removed from every string (keys too): for files. */
  json(value: unknown, space?: number): string {
    return JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === 'string') return this.whole(v);
        if (v !== null && typeof v === 'object' && !Array.isArray(v))
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.whole(k), x]));
        return v;
      },
      space,
    );
  }

  /** `err` as text for a person (its stack when it has one), scrubbed. */
  error(err: unknown): string {
    return this.text(err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err));
  }
}

/** `text` with every secret (at least 4 characters, also split by whitespace) replaced by REDACTED. */
export function scrubSecrets(text: string, secrets: Secrets): string {
  return new Scrubber(secrets).text(text);
}

function scrubString(text: string, scrubber: Scrubber): string {
  if (text.length <= MAX_STRING) return scrubber.text(text);
  // Only the part that is kept is scanned (a 1 MB value costs no more than a short one); the cut is scrubbed too.
  return `${scrubber.cutEnd(scrubber.cutEnd(text.slice(0, MAX_STRING * 2)).slice(0, MAX_STRING))}… (${text.length} characters)`;
}

function replacerFor(scrubber: Scrubber) {
  return (key: string, value: unknown): unknown => {
    if (key !== '' && SECRET_KEY.test(key) && value !== null && value !== undefined) return REDACTED;
    if (APP_ID_KEY.test(key) && typeof value === 'string') return redactAppId(value);
    if (typeof value === 'string') return scrubString(value, scrubber);
    if (typeof value === 'bigint') return value.toString();
    if (value instanceof Error) return scrubString(value.message, scrubber);
    return value;
  };
}

/** The JSON line for `fields`, redacted. Pure: for tests and for callers that write elsewhere. */
export function formatLogLine(fields: LogFields, secrets: LogOptions['secrets'] = []): string {
  const scrubber = new Scrubber(secrets);
  const replacer = replacerFor(scrubber);
  let line: string;
  try {
    line = JSON.stringify(fields, replacer);
  } catch (error) {
    // A circular structure: keep the top-level scalars, say what went wrong.
    const flat = Object.fromEntries(Object.entries(fields).filter(([, v]) => v === null || typeof v !== 'object'));
    line = JSON.stringify({...flat, log_error: error instanceof Error ? error.message : String(error)}, replacer);
  }
  // Keys are not values: a secret used as a key is caught here (REDACTED needs no JSON escaping).
  return scrubber.text(line);
}

/** Write one redacted JSON line; returns it. */
export function logLine(fields: LogFields, options: LogOptions = {}): string {
  const line = formatLogLine(fields, options.secrets);
  (options.write ?? console.log)(line);
  return line;
}
