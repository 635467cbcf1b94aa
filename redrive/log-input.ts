/**
 * Reading what `sanity functions logs <name> --json --limit N` prints, as a
 * stream: `{"logs": [{"time", "level", "message", "requestId", ...}]}`,
 * pretty-printed by oclif (two-space indent, ANSI colours when the user has an
 * oclif theme), possibly several such documents one after another (appended runs). On failure the CLI prints
 * `{"error": {"message": ...}}` instead; with no logs it prints nothing.
 *
 * A small scanner rather than JSON.parse of the whole input: it holds one
 * entry at a time (memory stays flat for a 100 MB input), and a broken entry
 * (truncated, invalid JSON, no message) is counted and skipped instead of
 * ending the read, which a strict streaming JSON parser would do.
 */
import {createReadStream} from 'node:fs';
import {isRecord} from '../shared/content-event.ts';

export interface LogEntry {
  /** As the CLI gives it (ISO string or epoch milliseconds); undefined when absent. */
  time?: string | number;
  level?: string;
  /** One line the function logged. */
  message: string;
  requestId?: string;
}

export type InputItem =
  | {kind: 'entry'; entry: LogEntry}
  /** Something that is not a usable entry: why, in a few words. */
  | {kind: 'bad'; why: string}
  /** The CLI's own error document (`{"error": {"message"}}`). */
  | {kind: 'cli_error'; message: string};

/** An entry longer than this is skipped unread (a log line is at most 16 KB; the CLI adds little). */
export const MAX_ENTRY_CHARS = 1024 * 1024;

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what a colour code starts with.
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

function toItem(text: string, container: 'logs' | 'error'): InputItem {
  let value: unknown;
  try {
    // A raw ESC is never inside a JSON string (it would be \u001b): every one is a colour code.
    value = JSON.parse(text.includes('\x1b') ? text.replace(ANSI, '') : text);
  } catch {
    return {kind: 'bad', why: 'invalid JSON'};
  }
  if (container === 'error') {
    const message = isRecord(value) && typeof value.message === 'string' ? value.message : 'no message';
    return {kind: 'cli_error', message};
  }
  if (!isRecord(value)) return {kind: 'bad', why: 'an entry that is not an object'};
  if (typeof value.message !== 'string') return {kind: 'bad', why: 'an entry without a message'};
  const entry: LogEntry = {message: value.message};
  if (typeof value.time === 'string' || typeof value.time === 'number') entry.time = value.time;
  if (typeof value.level === 'string') entry.level = value.level;
  if (typeof value.requestId === 'string') entry.requestId = value.requestId;
  return {kind: 'entry', entry};
}

/**
 * The entries of the `logs` arrays (and any CLI error) in `chunks`, in input
 * order. Text outside a JSON document is ignored (a document starts with a `{`
 * or `[` at the start of a line, as the CLI prints it); an entry cut off by the
 * end of the input is reported as `truncated`.
 */
export async function* readLogInput(chunks: AsyncIterable<string | Buffer>): AsyncGenerator<InputItem> {
  const decoder = new TextDecoder();
  /** Open containers: '{' or '['. */
  const stack: string[] = [];
  let inString = false;
  let escaped = false;
  /** The string being read at depth 1 (a top-level key), and the last one read. */
  let keyText: string | undefined;
  let lastKey = '';
  /** What the array or object opened at depth 1 is: entries only inside `logs`, an error object under `error`. */
  let section: 'logs' | 'error' | 'other' = 'other';
  /** The entry (or error object) being read, from its opening brace. */
  let captured: string | undefined;
  let capturedFor: 'logs' | 'error' = 'logs';
  let capturedLength = 0;
  let tooLong = false;
  /** Only blanks so far on this line (outside any document). */
  let lineStart = true;
  let inEscape = false;

  for await (const chunk of chunks) {
    const text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, {stream: true});
    let from = 0;
    const items: InputItem[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      // An ANSI colour code (oclif colours JSON tokens when a theme is set): skipped to its final letter.
      if (inEscape) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) inEscape = false;
        continue;
      }
      if (c === '\x1b' && !inString) {
        inEscape = true;
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') {
          inString = false;
          if (keyText !== undefined) {
            keyText += text.slice(from, i);
            lastKey = keyText;
            keyText = undefined;
          }
        }
        continue;
      }
      const depth = stack.length;
      // Outside any document only a brace or bracket that begins a line starts one: stray text is skipped.
      if (depth === 0) {
        if ((c === '{' || c === '[') && lineStart) {
          stack.push(c);
          lastKey = '';
        } else if (c === '\n') lineStart = true;
        else if (c !== ' ' && c !== '\t' && c !== '\r') lineStart = false;
        continue;
      }
      if (c === '"') {
        inString = true;
        if (depth === 1 && stack[0] === '{') {
          keyText = '';
          from = i + 1;
        }
      } else if (c === '{' || c === '[') {
        if (depth === 1) section = lastKey === 'logs' && c === '[' ? 'logs' : lastKey === 'error' ? 'error' : 'other';
        const startsEntry = (depth === 2 && section === 'logs' && c === '{') || (depth === 1 && section === 'error');
        if (startsEntry) {
          captured = '';
          capturedFor = section === 'error' ? 'error' : 'logs';
          capturedLength = 0;
          tooLong = false;
          from = i;
        }
        stack.push(c);
      } else if (c === '}' || c === ']') {
        stack.pop();
        const closesEntry = captured !== undefined && stack.length === (capturedFor === 'error' ? 1 : 2);
        if (closesEntry) {
          if (tooLong || capturedLength + (i + 1 - from) > MAX_ENTRY_CHARS)
            items.push({kind: 'bad', why: `an entry longer than ${MAX_ENTRY_CHARS} characters`});
          else items.push(toItem(captured + text.slice(from, i + 1), capturedFor));
          captured = undefined;
        }
        if (stack.length === 0) {
          section = 'other';
          lineStart = false;
        }
      }
    }
    if (keyText !== undefined) {
      keyText += text.slice(from);
      from = text.length;
    }
    if (captured !== undefined && !tooLong) {
      capturedLength += text.length - from;
      if (capturedLength > MAX_ENTRY_CHARS) {
        tooLong = true;
        captured = '';
      } else captured += text.slice(from);
    }
    yield* items;
  }
  if (captured !== undefined) yield {kind: 'bad', why: 'truncated: the input ends inside an entry'};
}

/** The chunks of a file, or of standard input for `-`. */
export function openInput(path: string): AsyncIterable<string | Buffer> {
  // process.stdin only when asked for: touching it opens the stream.
  return path === '-' ? (process.stdin as AsyncIterable<Buffer>) : createReadStream(path);
}
