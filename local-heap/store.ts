/**
 * Local Heap: what arrived. Accepted events, duplicates (ignored by idempotency key), user
 * property updates and rejections, in arrival order, with an optional JSON-lines file.
 *
 * The file holds one JSON object per line: a StoredEvent; a duplicate is a StoredEvent with
 * `"duplicate": true`; a user property update has `"kind": "user_properties"`. It is appended
 * synchronously per request, before the answer (a killed process loses no acknowledged event),
 * reloaded on start (idempotency keys included) and emptied by reset().
 *
 * Loading streams the file in chunks (a store of any size loads; none is read as one string).
 * A last line without its newline is what a crash mid-append leaves: if it is a whole entry the
 * newline is added, otherwise the torn line (from a request never answered) is cut off the file,
 * so the next append starts a fresh line instead of merging with it. Other unreadable lines are
 * skipped and counted. `loadReport` says what was found.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import {dirname} from 'node:path';
import type {ValidatedEvent, ValidatedUser} from './validate.ts';

/** An accepted event: what the validator produced, plus the request it came in. */
export interface StoredEvent extends ValidatedEvent {
  request_id: string;
  received_at: string;
}

/** A user-properties update as received (same fields as validated, plus where it came from). */
export interface StoredUserProperties extends ValidatedUser {
  request_id: string;
  received_at: string;
}

export interface Rejection {
  request_id: string;
  status: number;
  reason: string;
  path: string;
  received_at: string;
}

/** One item of the arrival log, as the live view and `?include=duplicates` see it. */
export type Entry =
  | {seq: number; kind: 'event'; data: StoredEvent}
  | {seq: number; kind: 'duplicate'; data: StoredEvent}
  | {seq: number; kind: 'user_properties'; data: StoredUserProperties};

/** What loading the store file found. */
export interface StoreLoadReport {
  file: string;
  /** Entries loaded (events, duplicates, user updates). */
  entries: number;
  /** Lines skipped because they were not a readable entry (not counting a torn last line). */
  skippedLines: number;
  /** The last line had no newline: `repaired` (a whole entry, newline added) or `dropped` (cut off the file). */
  tornTail: 'none' | 'repaired' | 'dropped';
  /** Lines cut off the end of the file (0 or 1). */
  droppedLines: number;
  droppedBytes: number;
}

/** One line about the loaded store, for the log. */
export function describeStoreLoad(r: StoreLoadReport): string {
  const tail =
    r.tornTail === 'dropped'
      ? `; torn last line dropped (${r.droppedLines} line, ${r.droppedBytes} bytes: an unanswered request cut off by a crash)`
      : r.tornTail === 'repaired'
        ? '; last line had no newline: completed'
        : '';
  const skipped = r.skippedLines ? `; ${r.skippedLines} unreadable line${r.skippedLines > 1 ? 's' : ''} skipped` : '';
  return `store ${r.file}: ${r.entries} ${r.entries === 1 ? 'entry' : 'entries'} loaded${tail}${skipped}`;
}

/** Bytes read per step while loading. */
const LOAD_CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;

export type StoreMessage = {type: 'entry'; entry: Entry} | {type: 'rejection'; rejection: Rejection} | {type: 'reset'};

export class EventStore {
  readonly file: string | undefined;
  /** Lines of the file that could not be read on load. */
  skippedLines = 0;
  /** What loading the file found (undefined without a file). */
  loadReport: StoreLoadReport | undefined;
  #log: Entry[] = [];
  #rejections: Rejection[] = [];
  #keys = new Set<string>();
  #seq = 0;
  #listeners = new Set<(m: StoreMessage) => void>();

  constructor(file?: string) {
    this.file = file;
    if (file) this.#load(file);
  }

  #load(file: string): void {
    mkdirSync(dirname(file), {recursive: true});
    const report: StoreLoadReport = {
      file,
      entries: 0,
      skippedLines: 0,
      tornTail: 'none',
      droppedLines: 0,
      droppedBytes: 0,
    };
    this.loadReport = report;
    if (!existsSync(file)) return;
    const fd = openSync(file, 'r+');
    try {
      const chunk = Buffer.allocUnsafe(LOAD_CHUNK_BYTES);
      /** Pieces of the line not yet ended by a newline, and where in the file it starts. */
      let pending: Buffer[] = [];
      let lineStart = 0;
      let position = 0;
      while (true) {
        const n = readSync(fd, chunk, 0, LOAD_CHUNK_BYTES, position);
        if (n === 0) break;
        let from = 0;
        while (from < n) {
          const nl = chunk.indexOf(NEWLINE, from);
          if (nl < 0 || nl >= n) {
            pending.push(Buffer.from(chunk.subarray(from, n)));
            break;
          }
          const piece = chunk.subarray(from, nl);
          const line =
            pending.length === 0 ? piece.toString('utf8') : Buffer.concat([...pending, piece]).toString('utf8');
          pending = [];
          if (!this.#loadLine(line)) report.skippedLines += 1;
          from = nl + 1;
          lineStart = position + from;
        }
        position += n;
      }
      if (pending.length > 0) {
        const tail = Buffer.concat(pending);
        if (this.#loadLine(tail.toString('utf8'))) {
          writeSync(fd, '\n', position);
          report.tornTail = 'repaired';
        } else {
          ftruncateSync(fd, lineStart);
          report.tornTail = 'dropped';
          report.droppedLines = 1;
          report.droppedBytes = tail.length;
        }
      }
    } finally {
      closeSync(fd);
    }
    report.entries = this.#log.length;
    this.skippedLines = report.skippedLines;
  }

  /** Load one line of the file; false when it is not a readable entry (blank lines count as read). */
  #loadLine(line: string): boolean {
    if (line.trim() === '') return true;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return false;
    }
    if (typeof row !== 'object' || row === null) return false;
    const {duplicate, kind, ...data} = row as Record<string, unknown>;
    if (kind === 'user_properties') {
      this.#log.push({seq: ++this.#seq, kind: 'user_properties', data: data as unknown as StoredUserProperties});
      return true;
    }
    if (typeof data.event !== 'string' || typeof data.app_id !== 'string') return false;
    const event = data as unknown as StoredEvent;
    this.#log.push({seq: ++this.#seq, kind: duplicate === true ? 'duplicate' : 'event', data: event});
    if (event.idempotency_key !== undefined) this.#keys.add(keyOf(event.app_id, event.idempotency_key));
    return true;
  }

  subscribe(listener: (m: StoreMessage) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(m: StoreMessage): void {
    for (const listener of this.#listeners) listener(m);
  }

  /** True if this idempotency key was already seen for this app_id (and remembers it). */
  seen(appId: string, key: string): boolean {
    const k = keyOf(appId, key);
    if (this.#keys.has(k)) return true;
    this.#keys.add(k);
    return false;
  }

  /** Append events (duplicates flagged) from one request, in order. */
  addEvents(items: {event: StoredEvent; duplicate: boolean}[]): void {
    const entries: Entry[] = items.map(({event, duplicate}) => ({
      seq: ++this.#seq,
      kind: duplicate ? 'duplicate' : 'event',
      data: event,
    }));
    this.#persist(entries);
    this.#log.push(...entries);
    for (const entry of entries) this.#emit({type: 'entry', entry});
  }

  addUsers(users: StoredUserProperties[]): void {
    const entries: Entry[] = users.map((data) => ({seq: ++this.#seq, kind: 'user_properties', data}));
    this.#persist(entries);
    this.#log.push(...entries);
    for (const entry of entries) this.#emit({type: 'entry', entry});
  }

  addRejection(rejection: Rejection): void {
    this.#rejections.push(rejection);
    this.#emit({type: 'rejection', rejection});
  }

  #persist(entries: Entry[]): void {
    if (!this.file || entries.length === 0) return;
    const lines = entries.map((e) => {
      if (e.kind === 'user_properties') return JSON.stringify({kind: 'user_properties', ...e.data});
      if (e.kind === 'duplicate') return JSON.stringify({...e.data, duplicate: true});
      return JSON.stringify(e.data);
    });
    appendFileSync(this.file, `${lines.join('\n')}\n`);
  }

  entries(): Entry[] {
    return [...this.#log];
  }

  events(): StoredEvent[] {
    return this.#log.flatMap((e) => (e.kind === 'event' ? [e.data] : []));
  }

  duplicates(): StoredEvent[] {
    return this.#log.flatMap((e) => (e.kind === 'duplicate' ? [e.data] : []));
  }

  userProperties(): StoredUserProperties[] {
    return this.#log.flatMap((e) => (e.kind === 'user_properties' ? [e.data] : []));
  }

  rejections(): Rejection[] {
    return [...this.#rejections];
  }

  /** Forget everything, and empty the file. */
  reset(): void {
    this.#log = [];
    this.#rejections = [];
    this.#keys.clear();
    if (this.file) writeFileSync(this.file, '');
    this.#emit({type: 'reset'});
  }
}

function keyOf(appId: string, key: string): string {
  return `${appId}\u0000${key}`;
}
