/**
 * Replacing a file atomically: a temporary file beside it, flushed to disk,
 * then renamed over it, so a crash at any moment leaves either the old
 * contents or the new ones, never half of them.
 */
import {mkdir, open, rename, rm} from 'node:fs/promises';
import {dirname} from 'node:path';

export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), {recursive: true});
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
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
