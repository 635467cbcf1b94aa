/**
 * A 100 MB logs file is read as a stream: redrive and status run as child
 * processes with V8's old space capped at 32 MB and report their peak resident
 * memory (getrusage's maxRSS, read at exit: exact, no sampling), compared with
 * the same command on the 6-entry fixture. Reading the file whole would need
 * more than 100 MB for the text alone (and dies at the cap). The young
 * generation is kept at 1 MB (--max-semi-space-size) so that V8 growing it
 * lazily, up to about 50 MB, does not hide what the program holds.
 */
import {spawn} from 'node:child_process';
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {FIXTURE} from '../../tools/function-logs.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = resolve(ROOT, 'node_modules/.bin/node');
const TARGET_BYTES = 100 * 1024 * 1024;
const HEAP_CAP_MB = 32;
/** Peak RSS on 100 MB may exceed the peak on the tiny fixture by at most this. */
const GROWTH_LIMIT_MB = 40;
let baselineMb = 0;
/** Entries per 1 MB block; each block repeats the same keys (as appended `--limit` runs of one day would). */
let perBlock = 0;
let blocks = 0;
let dir: string;
let path: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'redrive-memory-'));
  path = join(dir, 'logs.json');
  const entries = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as {logs: {message: string}[]}).logs;
  // One block: the fixture's lines with distinct content ids and keys, about 1 MB pretty-printed.
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < 1024 * 1024; i++) {
    const e = entries[i % entries.length]!;
    const message = e.message
      .replaceAll('article-heap-meets-sanity', `article-${i}`)
      .replaceAll('landing-spring-sale', `landing-${i}`);
    const text = JSON.stringify(
      {time: new Date(Date.UTC(2026, 0, 1, i % 24)).toISOString(), level: 'INFO', message, requestId: `r-${i}`},
      null,
      2,
    )
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
    parts.push(text);
    size += text.length + 2;
  }
  perBlock = parts.length;
  const block = parts.join(',\n');
  const fd = openSync(path, 'w');
  writeSync(fd, '{\n  "logs": [\n');
  let written = 0;
  for (blocks = 0; written < TARGET_BYTES; blocks++) {
    written += writeSync(fd, blocks === 0 ? block : `,\n${block}`);
  }
  writeSync(fd, '\n  ]\n}\n');
  closeSync(fd);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));

/** Run a script with a capped heap; its exit code, output, and peak RSS in MB. */
function measure(
  script: string,
  args: string[],
): Promise<{code: number | null; stdout: string; stderr: string; peakMb: number}> {
  const report = "process.on('exit',()=>process.stderr.write('\\nmaxrss-kb '+process.resourceUsage().maxRSS+'\\n'))";
  const child = spawn(
    NODE,
    [
      `--max-old-space-size=${HEAP_CAP_MB}`,
      '--max-semi-space-size=1',
      '--import',
      `data:text/javascript,${encodeURIComponent(report)}`,
      script,
      ...args,
    ],
    {
      cwd: ROOT,
      env: {PATH: process.env.PATH ?? '', HEAP_APP_ID: '1234567890', HEAP_API_URL: 'http://127.0.0.1:9'},
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      const kb = Number(/maxrss-kb (\d+)/.exec(stderr)?.[1] ?? Number.NaN);
      done({code, stdout, stderr, peakMb: Math.round(kb / 1024)});
    });
  });
}

describe('a 100 MB logs file, streamed', () => {
  it('is really 100 MB', () => {
    expect(statSync(path).size).toBeGreaterThanOrEqual(TARGET_BYTES);
  });

  beforeAll(async () => {
    const r = await measure('scripts/status.ts', ['--logs', FIXTURE, '--json']);
    expect(r.code, r.stderr).toBe(0);
    baselineMb = r.peakMb;
  }, 60_000);

  it(`status reads every entry with the heap capped at ${HEAP_CAP_MB} MB, peak RSS within ${GROWTH_LIMIT_MB} MB of a 6-entry input`, async () => {
    const r = await measure('scripts/status.ts', ['--logs', path, '--json']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(r.stdout) as {input: {entries: number; unparsable: number}};
    expect(report.input).toMatchObject({entries: perBlock * blocks, unparsable: 0});
    expect(r.peakMb - baselineMb, `peak RSS ${r.peakMb} MB, ${baselineMb} MB on the fixture`).toBeLessThan(
      GROWTH_LIMIT_MB,
    );
  }, 180_000);

  it(`redrive --dry-run likewise`, async () => {
    const r = await measure('scripts/redrive.ts', ['--logs', path, '--dry-run']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`input: ${perBlock * blocks} log entries, 0 other lines, 0 unparsable`);
    expect(r.peakMb - baselineMb, `peak RSS ${r.peakMb} MB, ${baselineMb} MB on the fixture`).toBeLessThan(
      GROWTH_LIMIT_MB,
    );
  }, 180_000);
});
