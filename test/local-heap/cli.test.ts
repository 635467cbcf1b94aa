import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process';
import {appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseCli} from '../../local-heap/cli.ts';
import {single, track} from './http.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'local-heap/cli.ts');
/** Node 24 (type stripping): the repo's own, since the system node may be older. */
const NODE = existsSync(join(ROOT, 'node_modules/.bin/node')) ? join(ROOT, 'node_modules/.bin/node') : process.execPath;

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[]): {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
} {
  const env = {...process.env};
  delete env.NODE_OPTIONS;
  const child = spawn(NODE, [CLI, ...args], {cwd: ROOT, env});
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {child, stdout: () => out, stderr: () => err, exit};
}

async function waitFor<T>(probe: () => T | undefined, what: string, ms = 8000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('npm run heap:local (local-heap/cli.ts)', () => {
  it('prints its URL, serves the API and the live view, logs one line per request, stops on SIGINT', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-heap-cli-'));
    try {
      const store = join(dir, 'events.jsonl');
      const p = run(['--port', '0', '--store', store, '--time-scale', '0.01']);
      const url = await waitFor(() => {
        const m =
          /Local Heap listening on (http:\/\/127\.0\.0\.1:(\d+)) \(live view: http:\/\/127\.0\.0\.1:\2\/\)/.exec(
            p.stdout(),
          );
        return m?.[1];
      }, `the URL line (stdout: ${p.stdout()} stderr: ${p.stderr()})`);
      expect(Number(new URL(url).port)).toBeGreaterThan(0);

      expect((await track(url, single())).status).toBe(200);
      expect((await track(url, single({identity: ''}))).status).toBe(400);
      const events = (await (await fetch(`${url}/api/local/events`)).json()) as {event: string}[];
      expect(events.map((e) => e.event)).toEqual(['Content Published']);
      const page = await fetch(`${url}/`);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);

      await waitFor(
        () => (/POST \/api\/track 400 identity: empty/.test(p.stdout()) ? true : undefined),
        'the 400 log line',
      );
      expect(p.stdout()).toMatch(/\d\d:\d\d:\d\d\.\d{3} POST \/api\/track 200 1 stored \d+ms\n/);
      expect(p.stdout()).not.toContain('1234567890'); // the app_id never reaches the log

      p.child.kill('SIGINT');
      expect(await p.exit).toBe(0);
      expect(p.stdout()).toContain('Local Heap stopped (SIGINT)');
      expect(readFileSync(store, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('after kill -9 mid-append: reports and cuts the torn line; the next acknowledged event survives kill -9 and restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-heap-cli-'));
    try {
      const store = join(dir, 'events.jsonl');
      const listening = (p: ReturnType<typeof run>) =>
        waitFor(
          () => /Local Heap listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.stdout())?.[1],
          `the URL line (stdout: ${p.stdout()} stderr: ${p.stderr()})`,
        );
      const first = run(['--port', '0', '--store', store, '--no-rate-limits']);
      expect((await track(await listening(first), single({idempotency_key: 'one'}))).status).toBe(200);
      first.child.kill('SIGKILL');
      await first.exit;
      // The append a kill -9 cut short: part of a line, no newline.
      appendFileSync(store, '{"request_id":"unanswered","app_id":"1234567890","event":"Con');

      const second = run(['--port', '0', '--store', store, '--no-rate-limits']);
      const url = await listening(second);
      expect(second.stdout()).toMatch(
        /store .*events\.jsonl: 1 entry loaded; torn last line dropped \(1 line, 61 bytes: an unanswered request cut off by a crash\)\n/,
      );
      expect((await track(url, single({idempotency_key: 'two'}))).status).toBe(200);
      second.child.kill('SIGKILL');
      await second.exit;

      const third = run(['--port', '0', '--store', store, '--no-rate-limits']);
      const again = await listening(third);
      expect(third.stdout()).toMatch(/store .*events\.jsonl: 2 entries loaded\n/);
      const events = (await (await fetch(`${again}/api/local/events`)).json()) as {idempotency_key: string}[];
      expect(events.map((e) => e.idempotency_key)).toEqual(['one', 'two']);
      third.child.kill('SIGINT');
      expect(await third.exit).toBe(0);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /--port: expected an integer 0-65535, got "abc"/],
    [['--port', '70000'], /--port: expected an integer 0-65535/],
    [['--time-scale', '0'], /--time-scale: expected a positive number/],
  ])('exits 2 with a clear error on a bad flag: %s', async (args, message) => {
    const p = run(args);
    expect(await p.exit).toBe(2);
    expect(p.stderr()).toMatch(message);
    expect(p.stderr()).toContain('--help');
    expect(p.stdout()).toBe('');
  });

  it('--help prints the options and exits 0', async () => {
    const p = run(['--help']);
    expect(await p.exit).toBe(0);
    for (const flag of ['--port', '--store', '--strict', '--no-rate-limits', '--time-scale'])
      expect(p.stdout()).toContain(flag);
  });
});

describe('parseCli', () => {
  it('maps flags to options', () => {
    expect(parseCli([])).toEqual({});
    expect(parseCli(['--port', '0', '--strict', '--no-rate-limits', '--store', 'x.jsonl'])).toEqual({
      port: 0,
      strict: true,
      rateLimits: false,
      store: 'x.jsonl',
    });
    expect(parseCli(['--time-scale', '0.01'])).toEqual({rateLimits: {timeScale: 0.01}});
    expect(parseCli(['-h'])).toBeUndefined();
    expect(() => parseCli(['--no-rate-limits', '--time-scale', '2'])).toThrow(
      '--time-scale: makes no sense with --no-rate-limits',
    );
  });
});
