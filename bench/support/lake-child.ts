/**
 * The Content Lake stand-in in its own process (so groq-js's evaluation, which
 * blocks for seconds on 100,000 documents, never stalls Local Heap or the
 * backfill): `node bench/support/lake-child.ts <documents> <seed>` prints
 * `{"url": ..., "documents": ..., "published": ...}` on one line, then serves
 * until its stdin closes or it is sent SIGTERM.
 */
import {generateDataset, publishedIds, startContentLake} from '../../tools/content-lake.ts';

const n = Number(process.argv[2]);
const seed = Number(process.argv[3] ?? 1);
if (!Number.isInteger(n) || n < 1) throw new Error('usage: node bench/support/lake-child.ts <documents> [seed]');
const documents = generateDataset(n, {seed});
const lake = await startContentLake({documents, projectId: 'bench'});
const stop = async (): Promise<void> => {
  await lake.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop()).resume();
process.stdout.write(
  `${JSON.stringify({url: lake.url, documents: documents.length, published: publishedIds(documents).length})}\n`,
);
