/**
 * Runs the backfill CLI (`node scripts/backfill.ts`), or another script that
 * logs JSON lines alike (redrive, status), as a child process, as a user would,
 * collecting its JSON log lines; lets a test act (kill, Ctrl-C) when a given
 * log line appears.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {resolve} from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = existsSync(resolve(ROOT, 'node_modules/.bin/node'))
  ? resolve(ROOT, 'node_modules/.bin/node')
  : process.execPath;

export interface LogRecord {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  logs: LogRecord[];
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves when a log line satisfies `test` (the `n`-th such line). */
  waitFor(test: (r: LogRecord) => boolean, n?: number): Promise<LogRecord>;
  done: Promise<CliResult>;
}

/** The Sanity project and dataset the tests' Content Lake stand-ins serve. */
export const PROJECT = 'abc123de';
export const DATASET = 'production';
/** Heap's windows and the backoff, shortened for tests (Local Heap's `rateLimits.timeScale` and `--time-scale`). */
export const SCALE = 0.01;

export const byMsg =
  (msg: string) =>
  (r: LogRecord): boolean =>
    r.msg === msg;

/** Where the backfill reads and sends, and with which secrets. */
export interface Stack {
  lakeUrl: string;
  heapUrl: string;
  token: string;
  appId: string;
}

/** The environment of a backfill against `stack`, with `change` applied (undefined removes a variable). */
export function backfillEnv(stack: Stack, change: Record<string, string | undefined> = {}): Record<string, string> {
  return cliEnv({
    SANITY_PROJECT_ID: PROJECT,
    SANITY_DATASET: DATASET,
    SANITY_API_TOKEN: stack.token,
    SANITY_API_HOST: stack.lakeUrl,
    HEAP_APP_ID: stack.appId,
    HEAP_API_URL: stack.heapUrl,
    ...change,
  });
}

/** `--time-scale SCALE --checkpoint C --failures F` and `extra`. */
export function fileArgs(files: {checkpoint: string; failures: string}, ...extra: string[]): string[] {
  return ['--time-scale', String(SCALE), '--checkpoint', files.checkpoint, '--failures', files.failures, ...extra];
}

/** The child's environment: only what the backfill reads, plus PATH and HOME. */
export function cliEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: `${resolve(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? '/tmp',
  };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

export interface CliOptions {
  /** The script to run (default the backfill's); the redrive and status CLIs log alike. */
  script?: string;
  /** The whole command instead of `node <script>`: `['npm', 'run', 'backfill']` runs it as a user types it. */
  command?: readonly string[];
  /** Written to the child's standard input, which is then closed (default: no input). */
  stdin?: string;
  /** false: standard output is not JSON lines (e.g. `status --json`), collect it only. */
  jsonLines?: boolean;
}

export function startCli(args: string[], env: Record<string, string>, o: CliOptions = {}): CliRun {
  const [file, ...first] = (o.command ?? [NODE, o.script ?? 'scripts/backfill.ts']) as [string, ...string[]];
  const child = spawn(file, [...first, ...args], {
    cwd: ROOT,
    env,
    stdio: [o.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (o.stdin !== undefined) child.stdin!.end(o.stdin);
  let stdout = '';
  let stderr = '';
  let partial = '';
  const logs: LogRecord[] = [];
  const waiters: {test: (r: LogRecord) => boolean; n: number; seen: number; resolve: (r: LogRecord) => void}[] = [];
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    stdout += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      // Log lines are JSON objects; anything else (e.g. --help) is only kept in stdout.
      if (!line.startsWith('{') || o.jsonLines === false) continue;
      const record = JSON.parse(line) as LogRecord;
      logs.push(record);
      for (const w of [...waiters]) {
        if (w.test(record) && ++w.seen >= w.n) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
    }
  });
  child.stderr!.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolveDone, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolveDone({code, signal, stdout, stderr, logs}));
  });
  return {
    child,
    done,
    waitFor: (test, n = 1) =>
      new Promise<LogRecord>((resolveWait, reject) => {
        const seen = logs.filter(test).length;
        if (seen >= n) return resolveWait(logs.filter(test)[n - 1]!);
        waiters.push({test, n, seen, resolve: resolveWait});
        done.then(
          () => reject(new Error(`the CLI exited before log line #${n} appeared:\n${stdout}\n${stderr}`)),
          reject,
        );
      }),
  };
}

export function runCli(args: string[], env: Record<string, string>, o: CliOptions = {}): Promise<CliResult> {
  return startCli(args, env, o).done;
}
