/**
 * The failure file: one JSON object per line for every document whose event
 * could not be delivered for good: Heap rejected it (a 4xx for that event
 * alone), or no valid event could be built from it. `--retry-failed FILE`
 * reads the ids back and re-drives them.
 */
import {appendFile, mkdir, readFile, writeFile} from 'node:fs/promises';
import {dirname} from 'node:path';
import type {HeapEvent} from '../shared/content-event.ts';
import {writeFileAtomic} from './atomic-write.ts';

export interface FailureRecord {
  time: string;
  /** The document's `_id`. */
  id: string;
  type?: string;
  rev?: string;
  /** `heap`: Heap rejected the event; `build`: no valid event could be built from the document. */
  stage: 'heap' | 'build';
  status?: number;
  reason: string;
  /** The event as sent (no app id in it), when there was one. */
  event?: HeapEvent;
}

export class FailureFileError extends Error {
  name = 'FailureFileError';
}

/** Appends records to a JSON-lines file as they happen (nothing is lost if the run dies later). */
export class FailureFile {
  readonly path: string;
  count = 0;
  #ready: Promise<void>;

  /** `append: false` empties the file first. */
  constructor(path: string, o: {append: boolean}) {
    this.path = path;
    this.#ready = (async () => {
      await mkdir(dirname(path), {recursive: true});
      if (!o.append) await writeFile(path, '');
    })();
  }

  async add(record: FailureRecord): Promise<void> {
    await this.#ready;
    await appendFile(this.path, `${JSON.stringify(record)}\n`);
    this.count += 1;
  }

  /** Settles the initial truncation (so an empty file exists even when nothing failed). */
  async ready(): Promise<void> {
    await this.#ready;
  }
}

/** Replace `path` with exactly `records` (atomically). */
export async function writeFailures(path: string, records: readonly FailureRecord[]): Promise<void> {
  await writeFileAtomic(path, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Read a failure file; throws FailureFileError naming the file and line of the first bad line. */
export async function readFailures(path: string): Promise<FailureRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new FailureFileError(
      code === 'ENOENT' ? `${path} does not exist` : `cannot read ${path}: ${(err as Error).message}`,
    );
  }
  const records: FailureRecord[] = [];
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new FailureFileError(`${path} line ${i + 1}: not JSON (a failure file has one JSON object per line)`);
    }
    const id = (parsed as {id?: unknown} | null)?.id;
    if (typeof parsed !== 'object' || parsed === null || typeof id !== 'string' || id === '') {
      throw new FailureFileError(`${path} line ${i + 1}: no "id" (the document id to re-drive)`);
    }
    records.push(parsed as FailureRecord);
  }
  return records;
}
