/**
 * The failure file: one JSON object per line for every document whose event
 * could not be delivered for good: Heap rejected it (a 4xx for that event
 * alone), or no valid event could be built from it. `--retry-failed FILE`
 * reads the ids back and re-drives them.
 *
 * A run only ever appends: failures of earlier runs stay in the file until
 * `--retry-failed` re-drives them (and rewrites it with what still fails).
 * Mode 0600; every line goes through the secret scrubber.
 */
import {readFile, stat} from 'node:fs/promises';
import type {HeapEvent} from '../shared/content-event.ts';
import type {Scrubber} from '../shared/log.ts';
import {appendFileOwner, checkAtomicWritable, fileErrorReason, writeFileAtomic} from './atomic-write.ts';

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

const lines = (records: readonly FailureRecord[], scrubber: Scrubber): string =>
  records.map((r) => `${scrubber.json(r)}\n`).join('');

/** Appends records to a JSON-lines file as they happen (nothing is lost if the run dies later). */
export class FailureFile {
  readonly path: string;
  readonly #scrubber: Scrubber;
  /** Records this run added. */
  count = 0;
  /** Records the file held before this run. */
  readonly earlier: number;

  private constructor(path: string, scrubber: Scrubber, earlier: number) {
    this.path = path;
    this.#scrubber = scrubber;
    this.earlier = earlier;
  }

  /**
   * Open `path` for appending before anything is sent (created empty if missing, mode 0600):
   * FailureFileError naming the path if it cannot be written or holds something else.
   */
  static async open(path: string, scrubber: Scrubber): Promise<FailureFile> {
    // Read first: a file that is not a failure file is refused before it is touched (or made 0600).
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    const earlier = exists ? (await readFailures(path)).length : 0;
    try {
      await appendFileOwner(path, '');
    } catch (err) {
      throw new FailureFileError(
        `cannot write the failure file ${path} (${fileErrorReason(err)}): choose a writable path with --failures FILE`,
      );
    }
    return new FailureFile(path, scrubber, earlier);
  }

  async add(record: FailureRecord): Promise<void> {
    await appendFileOwner(this.path, lines([record], this.#scrubber));
    this.count += 1;
  }
}

/** Before anything is sent: FailureFileError naming `path` unless writeFailures(path) can work. */
export async function checkFailuresWritable(path: string): Promise<void> {
  try {
    await checkAtomicWritable(path);
  } catch (err) {
    throw new FailureFileError(
      `cannot rewrite the failure file ${path} (${fileErrorReason(err)}): write to another with --failures FILE`,
    );
  }
}

/** Replace `path` with exactly `records` (atomically, mode 0600). */
export async function writeFailures(
  path: string,
  records: readonly FailureRecord[],
  scrubber: Scrubber,
): Promise<void> {
  await writeFileAtomic(path, lines(records, scrubber));
}

/** Append `records` to `path` (mode 0600). */
export async function appendFailures(
  path: string,
  records: readonly FailureRecord[],
  scrubber: Scrubber,
): Promise<void> {
  await appendFileOwner(path, lines(records, scrubber));
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
