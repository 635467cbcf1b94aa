/**
 * The backfill CLI as an attacker or a hurried user would meet it, as a child
 * process against real parts on loopback: servers that echo the token and the
 * app id back (whole, split by whitespace, cut at the read limit), npm keeping
 * `--dry-run` for itself, a failure file from an earlier run, paths that
 * cannot be written, hosts that cannot be reached. Secrets must appear nowhere:
 * not on stdout, not on stderr, not in any file the backfill writes.
 */
import {mkdtemp, readdir, readFile, rm, stat, writeFile} from 'node:fs/promises';
import http from 'node:http';
import net, {type AddressInfo} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {readFailures} from '../../backfill/failures.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {
  type ContentLake,
  generateDataset,
  type LakeDocument,
  publishedIds,
  startContentLake,
} from '../../tools/content-lake.ts';
import {backfillEnv, byMsg, type CliResult, DATASET, fileArgs, PROJECT, runCli, SCALE} from './harness.ts';

const APP_ID = '4815162342108';
const TOKEN = 'skq7ZtW0987654321XyWvKpLm';
/** No run of this many characters of the app id may appear (`ap…90` shows 2 + 2). */
const WINDOW = 6;

let documents: LakeDocument[];
let ids: string[];
let lake: ContentLake;
let heap: LocalHeap;
let dir: string;
const servers: {close(): void}[] = [];

beforeAll(async () => {
  documents = generateDataset(6, {seed: 11});
  ids = publishedIds(documents).sort();
  lake = await startContentLake({documents, projectId: PROJECT, dataset: DATASET, token: TOKEN});
});
afterAll(async () => {
  await lake?.close();
});
beforeEach(async () => {
  heap = await startLocalHeap({port: 0, strict: true, rateLimits: {timeScale: SCALE}});
  dir = await mkdtemp(join(tmpdir(), 'backfill-trust-'));
});
afterEach(async () => {
  await heap?.close();
  for (const s of servers.splice(0)) s.close();
  await rm(dir, {recursive: true, force: true});
});

const files = () => ({
  checkpoint: join(dir, 'state', 'checkpoint.json'),
  failures: join(dir, 'state', 'failures.jsonl'),
});

const env = (change: Record<string, string | undefined> = {}): Record<string, string> =>
  backfillEnv({lakeUrl: lake.url, heapUrl: heap.url, token: TOKEN, appId: APP_ID}, change);
const args = (...extra: string[]): string[] => fileArgs(files(), ...extra);

/** Every file under `dir`, with its text. */
async function writtenFiles(): Promise<{path: string; text: string}[]> {
  const out: {path: string; text: string}[] = [];
  for (const name of await readdir(dir, {recursive: true})) {
    const path = join(dir, name);
    if ((await stat(path)).isFile()) out.push({path, text: await readFile(path, 'utf8')});
  }
  return out;
}

/** Neither secret, nor WINDOW characters of the app id, in stdout, stderr or any file written. */
async function expectNoSecret(r: CliResult): Promise<void> {
  const texts = [r.stdout, r.stderr, ...(await writtenFiles()).map((f) => f.text)];
  for (const text of texts) {
    expect(text, 'the token reached the output').not.toContain(TOKEN);
    expect(text, 'the app id reached the output').not.toContain(APP_ID);
    for (let i = 0; i + WINDOW <= APP_ID.length; i++)
      expect(text, 'part of the app id reached the output').not.toContain(APP_ID.slice(i, i + WINDOW));
  }
}

/** A Content Lake (or a proxy before it) that answers every query `status`, echoing the Authorization header. */
async function echoingLake(status: number, kind: 'json' | 'html'): Promise<string> {
  const server = http.createServer((req, res) => {
    const auth = String(req.headers.authorization ?? '');
    const token = auth.replace(/^Bearer /, '');
    const body =
      kind === 'json'
        ? JSON.stringify({
            error: {description: `Session not found for token ${token}`, type: 'httpError'},
            statusCode: status,
            message: `${auth} refused`,
          })
        : `<html><head><title>${status}</title></head><body><h1>Error</h1><pre>Authorization: ${auth}\n  token=${token.slice(0, 12)}\n      ${token.slice(12)}</pre></body></html>`;
    res.writeHead(status, {'content-type': kind === 'json' ? 'application/json' : 'text/html'});
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A host that accepts connections and drops them at once: every request is a network error. */
async function droppingHost(): Promise<string> {
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('secrets never reach any output of the backfill', () => {
  for (const status of [401, 403, 400, 500]) {
    for (const kind of ['json', 'html'] as const) {
      it(`the Content Lake answers ${status} with a ${kind.toUpperCase()} body echoing the token: exit 3, token nowhere`, async () => {
        const url = await echoingLake(status, kind);
        const r = await runCli(args(), env({SANITY_API_HOST: url}));
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(new RegExp(`backfill stopped: Sanity answered ${status} at 127\\.0\\.0\\.1:\\d+`));
        expect(r.stderr).toContain('[redacted]');
        expect(r.logs.find(byMsg('stopped'))).toMatchObject({
          level: 'error',
          reason: expect.stringContaining('[redacted]'),
        });
        expect(heap.stats().requests).toBe(0);
        await expectNoSecret(r);
      });
    }
  }

  it('Heap answers 400 echoing the token and the app id split by whitespace: failure file, logs and stderr hold neither', async () => {
    const [a, b] = [APP_ID.slice(0, 9), APP_ID.slice(9)];
    heap.injectFault({status: 400, count: 100, body: `<p>app ${a}\n   ${b} unknown; token ${TOKEN}</p>`});
    const r = await runCli(args(), env());
    expect(r.code).toBe(1);
    const failures = await readFailures(files().failures);
    expect(failures.map((f) => f.id).sort()).toEqual(ids);
    expect(failures[0]!.reason).toBe('<p>app [redacted] unknown; token [redacted]</p>');
    await expectNoSecret(r);
  });

  it('Heap answers 400 with the app id cut at the read limit: its beginning is redacted too', async () => {
    heap.injectFault({status: 400, count: 100, body: `${' '.repeat(600 - 8)}${APP_ID} unknown`});
    const r = await runCli(args(), env());
    expect(r.code).toBe(1);
    expect((await readFailures(files().failures))[0]!.reason).toBe('[redacted]');
    await expectNoSecret(r);
  });

  it('files are readable by their owner only (0600, in a 0700 directory)', async () => {
    const r = await runCli(args(), env());
    expect(r.code).toBe(0);
    for (const path of [files().checkpoint, files().failures])
      expect(((await stat(path)).mode & 0o777).toString(8), path).toBe('600');
    expect(((await stat(join(dir, 'state'))).mode & 0o777).toString(8)).toBe('700');
  });
});

describe('destructive traps', () => {
  it('`npm run backfill --dry-run` (no --) is refused with the right command, and nothing is sent or read', async () => {
    const before = lake.requests();
    const r = await runCli(['--dry-run'], env(), {command: ['npm', 'run', 'backfill']});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('npm run backfill -- --dry-run');
    expect(r.stderr).toContain('npm kept --dry-run for itself');
    expect(r.logs).toEqual([expect.objectContaining({msg: 'usage', npm_flags: ['--dry-run']})]);
    expect(heap.stats().requests).toBe(0);
    expect(lake.requests()).toBe(before);
  });

  it('a later run keeps the failures of an earlier one in the failure file', async () => {
    // Run 1: Heap rejects the first event (a batch of 4, its half, then the event).
    heap.injectFault({status: 400, count: 3, body: 'events[0].properties.title: rejected by the test'});
    const first = await runCli(args('--batch-size', '4'), env());
    expect(first.code).toBe(1);
    const earlier = await readFailures(files().failures);
    expect(earlier.map((f) => f.id)).toEqual([ids[0]]);

    // Run 2 (the checkpoint is complete, so a new full run starts): nothing fails.
    const second = await runCli(args('--batch-size', '4'), env());
    expect(second.code).toBe(0);
    expect(await readFailures(files().failures)).toEqual(earlier);
    expect(second.logs.find(byMsg('earlier_failures'))).toMatchObject({count: 1, failures_file: files().failures});
    expect(second.logs.find(byMsg('done'))).toMatchObject({earlier_failures: 1});
  });

  for (const which of ['checkpoint', 'failures'] as const) {
    it(`an unwritable --${which} path: exit 2 naming it, before any request`, async () => {
      const blocker = join(dir, 'a-file');
      await writeFile(blocker, 'not a directory');
      const bad = join(blocker, `${which}.out`);
      const f = files();
      const before = lake.requests();
      const r = await runCli(
        [
          '--time-scale',
          String(SCALE),
          '--checkpoint',
          which === 'checkpoint' ? bad : f.checkpoint,
          '--failures',
          which === 'failures' ? bad : f.failures,
        ],
        env(),
      );
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `backfill: cannot write the ${which === 'checkpoint' ? 'checkpoint' : 'failure file'} ${bad.replace(/[.]/g, '\\.')} \\(E[A-Z]+: `,
        ),
      );
      expect(r.stderr).toContain(`--${which} FILE`);
      expect(heap.stats().requests).toBe(0);
      expect(lake.requests()).toBe(before);
    });
  }
});

describe('network errors name the host and what to check', () => {
  it('Sanity unreachable: the host, SANITY_API_HOST, exit 3', async () => {
    const url = await droppingHost();
    const r = await runCli(args(), env({SANITY_API_HOST: url}));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`backfill stopped: cannot reach Sanity at ${new URL(url).host}`);
    expect(r.stderr).toContain(`SANITY_API_HOST (${url})`);
    expect(heap.stats().requests).toBe(0);
  });

  it('Heap unreachable: the host, HEAP_API_URL, exit 3', async () => {
    const url = await droppingHost();
    const r = await runCli(args(), env({HEAP_API_URL: url}));
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`backfill stopped: Heap at ${new URL(url).host} did not accept a batch`);
    expect(r.stderr).toContain(`check your network connection or proxy, and HEAP_API_URL (${url})`);
    expect(r.logs.find(byMsg('heap_retry'))).toMatchObject({host: new URL(url).host});
  });
});
