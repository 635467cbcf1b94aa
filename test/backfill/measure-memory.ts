/**
 * Not a test: measures the backfill CLI's resident memory over a generated
 * dataset, to show it stays flat however large the dataset is.
 *
 *   node_modules/.bin/node test/backfill/measure-memory.ts [documents=100000] [max-old-space-MB]
 *
 * With a second argument the CLI runs with `--max-old-space-size`: if it
 * still completes, what RSS shows beyond that is V8 growing its heap lazily,
 * not memory the backfill holds on to.
 *
 * The Content Lake stand-in and Local Heap (rate limits off) run in this
 * process; the CLI runs as a child (time scale 0.0001, so pacing does not
 * dominate) and its RSS is sampled from /proc every 100 ms. Reading is slow
 * here because groq-js evaluates every page over the whole in-memory dataset
 * (about 1.5 s a page at 100,000 documents), not because of the backfill.
 */
import {spawn} from 'node:child_process';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {startLocalHeap} from '../../local-heap/server.ts';
import {generateDataset, publishedIds, startContentLake} from '../../tools/content-lake.ts';

const n = Number(process.argv[2] ?? 100_000);
const maxOldSpace = process.argv[3] === undefined ? [] : [`--max-old-space-size=${Number(process.argv[3])}`];
const root = resolve(import.meta.dirname, '../..');
const documents = generateDataset(n, {seed: 1});
const expected = publishedIds(documents).length;
const lake = await startContentLake({documents, projectId: 'memory', dataset: 'production'});
const heap = await startLocalHeap({port: 0, rateLimits: false});
const dir = await mkdtemp(join(tmpdir(), 'backfill-memory-'));

async function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

const started = performance.now();
const child = spawn(
  resolve(root, 'node_modules/.bin/node'),
  [
    ...maxOldSpace,
    'scripts/backfill.ts',
    '--time-scale',
    '0.0001',
    '--batch-size',
    '500',
    '--checkpoint',
    join(dir, 'cp.json'),
    '--failures',
    join(dir, 'f.jsonl'),
  ],
  {
    cwd: root,
    env: {
      PATH: process.env.PATH ?? '',
      SANITY_PROJECT_ID: 'memory',
      SANITY_DATASET: 'production',
      SANITY_API_HOST: lake.url,
      HEAP_APP_ID: '1234567890',
      HEAP_API_URL: heap.url,
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  },
);
let read = 0;
let buffer = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk: string) => {
  buffer += chunk;
  const lines = buffer.split('\n');
  buffer = lines.pop() ?? '';
  for (const line of lines) {
    const record = JSON.parse(line) as {msg: string; documents_read?: number};
    if (record.msg === 'batch' && record.documents_read !== undefined) read = record.documents_read;
  }
});

const samples: {read: number; rssMb: number}[] = [];
let peakKb = 0;
const timer = setInterval(async () => {
  const rss = await rssKb(child.pid!, 'VmRSS');
  const hwm = await rssKb(child.pid!, 'VmHWM');
  if (hwm !== undefined) peakKb = Math.max(peakKb, hwm);
  if (rss !== undefined) samples.push({read, rssMb: Math.round(rss / 1024)});
}, 100);
const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
clearInterval(timer);
const seconds = (performance.now() - started) / 1000;

const at = (fraction: number) => samples.filter((s) => s.read >= expected * fraction)[0];
console.log(
  `documents: ${n} published${maxOldSpace.length ? ` (child: ${maxOldSpace[0]})` : ''} of tracked types (${documents.length} in the dataset with drafts, versions, authors, topics)`,
);
console.log(`exit ${code}; stored in Local Heap: ${heap.stats().stored}; ${seconds.toFixed(0)} s`);
for (const f of [0.01, 0.1, 0.25, 0.5, 0.75, 0.99]) {
  const s = at(f);
  if (s) console.log(`  after ${String(s.read).padStart(7)} documents: RSS ${s.rssMb} MB`);
}
console.log(`peak RSS (VmHWM): ${Math.round(peakKb / 1024)} MB`);
await heap.close();
await lake.close();
await rm(dir, {recursive: true, force: true});
