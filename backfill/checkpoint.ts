/**
 * The backfill's checkpoint: the `_id` cursor after the last batch Heap
 * accepted, plus counters, written atomically (./atomic-write.ts) so a crash
 * at any moment leaves either the previous checkpoint or the new one, never
 * half of one.
 */
import {createHash} from 'node:crypto';
import {readFile} from 'node:fs/promises';
import type {Scrubber} from '../shared/log.ts';
import {checkAtomicWritable, fileErrorReason, writeFileAtomic} from './atomic-write.ts';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint {
  version: typeof CHECKPOINT_VERSION;
  /** `<projectId>.<dataset>` */
  resource: string;
  /** A hash of the Heap URL and app id: a checkpoint is only resumed against the same Heap environment. */
  heap: string;
  types: string[];
  since: string | null;
  /** Every document with an `_id` up to and including this one is done ('' = none yet). */
  cursor: string;
  documentsRead: number;
  eventsSent: number;
  failed: number;
  /** True once the whole selection was read and sent. */
  complete: boolean;
  startedAt: string;
  updatedAt: string;
}

export class CheckpointError extends Error {
  name = 'CheckpointError';
}

/** A short, non-reversible fingerprint of where events go (never the app id itself). */
export function heapFingerprint(apiUrl: string, appId: string): string {
  return createHash('sha256').update(`${apiUrl}\n${appId}`).digest('hex').slice(0, 16);
}

/** Write `checkpoint` atomically, mode 0600, through the secret scrubber. */
export async function saveCheckpoint(file: string, checkpoint: Checkpoint, scrubber: Scrubber): Promise<void> {
  await writeFileAtomic(file, `${scrubber.json(checkpoint, 2)}\n`);
}

/** Before anything is sent: CheckpointError naming `file` unless checkpoints can be saved there. */
export async function checkCheckpointWritable(file: string): Promise<void> {
  try {
    await checkAtomicWritable(file);
  } catch (err) {
    throw new CheckpointError(
      `cannot write the checkpoint ${file} (${fileErrorReason(err)}): choose a writable path with --checkpoint FILE`,
    );
  }
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** The checkpoint in `file`; undefined if there is none. Throws CheckpointError if it is unreadable. */
export async function loadCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError(`cannot read the checkpoint ${file}: ${(err as Error).message}`);
  }
  let c: Partial<Checkpoint>;
  try {
    c = JSON.parse(text) as Partial<Checkpoint>;
  } catch {
    throw new CheckpointError(`the checkpoint ${file} is not valid JSON; delete it to start over`);
  }
  const ok =
    typeof c === 'object' &&
    c !== null &&
    c.version === CHECKPOINT_VERSION &&
    isString(c.resource) &&
    isString(c.heap) &&
    isString(c.cursor) &&
    Array.isArray(c.types) &&
    c.types.every(isString) &&
    (c.since === null || isString(c.since)) &&
    isCount(c.documentsRead) &&
    isCount(c.eventsSent) &&
    isCount(c.failed) &&
    typeof c.complete === 'boolean' &&
    isString(c.startedAt) &&
    isString(c.updatedAt);
  if (!ok)
    throw new CheckpointError(
      `the checkpoint ${file} is not a backfill checkpoint (version ${CHECKPOINT_VERSION}); delete it to start over`,
    );
  return c as Checkpoint;
}

export interface RunIdentity {
  resource: string;
  heap: string;
  types: readonly string[];
  since: string | null;
}

/** Why `checkpoint` cannot be resumed by a run with `run`'s settings; undefined when it can. */
export function incompatibility(checkpoint: Checkpoint, run: RunIdentity): string | undefined {
  if (checkpoint.resource !== run.resource) return `it belongs to dataset ${checkpoint.resource}, not ${run.resource}`;
  if (checkpoint.heap !== run.heap)
    return 'it was made for another Heap environment (HEAP_APP_ID or HEAP_API_URL differ)';
  const a = [...checkpoint.types].sort().join(',');
  const b = [...run.types].sort().join(',');
  if (a !== b) return `it was made with --types ${a}, not ${b}`;
  if (checkpoint.since !== run.since)
    return `it was made with ${checkpoint.since ? `--since ${checkpoint.since}` : 'no --since'}, not ${run.since ? `--since ${run.since}` : 'no --since'}`;
  return undefined;
}
