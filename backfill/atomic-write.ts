/**
 * Writing the backfill's files: replacing one atomically (a temporary file
 * beside it, flushed to disk, then renamed over it, so a crash at any moment
 * leaves either the old contents or the new ones, never half of them), and
 * appending to one. Both are readable by their owner only (mode 0600): the
 * failure file holds whole event payloads from possibly private datasets.
 * Directories created for them are 0700.
 */
import {mkdir, open, rename, rm, stat} from 'node:fs/promises';
import {dirname} from 'node:path';

/** Owner read and write only. */
export const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

const tempPath = (path: string): string => `${path}.${process.pid}.tmp`;

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: DIR_MODE});
  const temp = tempPath(path);
  const handle = await open(temp, 'w', FILE_MODE);
  try {
    // A temporary file left by an earlier crash keeps its mode on open: set it.
    await handle.chmod(FILE_MODE);
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await rm(temp, {force: true});
    throw err;
  }
}

/** Append `text` to `path` (created 0600 if missing; an older file is made 0600 too). */
export async function appendFileOwner(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: DIR_MODE});
  const handle = await open(path, 'a', FILE_MODE);
  try {
    await handle.chmod(FILE_MODE);
    if (text !== '') await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * Throws (with the system's reason) unless writeFileAtomic(path) can work: the
 * directory can be created and written, and `path` is not a directory. Writes nothing lasting.
 */
export async function checkAtomicWritable(path: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true, mode: DIR_MODE});
  const existing = await stat(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (existing?.isDirectory()) throw Object.assign(new Error('it is a directory'), {code: 'EISDIR'});
  const temp = tempPath(path);
  const handle = await open(temp, 'w', FILE_MODE);
  await handle.close();
  await rm(temp, {force: true});
}

/** `err` as a short reason: `EACCES: permission denied` rather than a stack. */
export function fileErrorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') {
    const text = String(e.message ?? '');
    // Node's messages repeat the path: `EACCES: permission denied, open '/x'` → `EACCES: permission denied`.
    return text.startsWith(`${e.code}:`) ? text.replace(/, \w+ '.*$/s, '') : `${e.code}: ${text}`;
  }
  return err instanceof Error ? err.message : String(err);
}
