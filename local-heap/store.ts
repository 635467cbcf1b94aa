/**
 * Local Heap: what arrived. Accepted events, duplicates (ignored by idempotency key), user
 * property updates and rejections, in arrival order, with an optional JSON-lines file.
 *
 * The file holds one JSON object per line: a StoredEvent; a duplicate is a StoredEvent with
 * `"duplicate": true`; a user property update has `"kind": "user_properties"`. It is appended
 * synchronously per request (nothing lost on a crash), reloaded on start (idempotency keys
 * included) and emptied by reset(). Unreadable lines are skipped and counted.
 */
import {appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
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

export type StoreMessage = {type: 'entry'; entry: Entry} | {type: 'rejection'; rejection: Rejection} | {type: 'reset'};

export class EventStore {
  readonly file: string | undefined;
  /** Lines of the file that could not be read on load. */
  skippedLines = 0;
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
    if (!existsSync(file)) return;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch {
        this.skippedLines += 1;
        continue;
      }
      if (typeof row !== 'object' || row === null) {
        this.skippedLines += 1;
        continue;
      }
      const {duplicate, kind, ...data} = row as Record<string, unknown>;
      if (kind === 'user_properties') {
        this.#log.push({seq: ++this.#seq, kind: 'user_properties', data: data as unknown as StoredUserProperties});
      } else if (typeof data.event === 'string' && typeof data.app_id === 'string') {
        const event = data as unknown as StoredEvent;
        this.#log.push({seq: ++this.#seq, kind: duplicate === true ? 'duplicate' : 'event', data: event});
        if (event.idempotency_key !== undefined) this.#keys.add(keyOf(event.app_id, event.idempotency_key));
      } else {
        this.skippedLines += 1;
      }
    }
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
