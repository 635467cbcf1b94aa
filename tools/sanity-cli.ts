/**
 * Running the real Sanity CLI (`sanity-run`, from @sanity/runtime-cli) from tests
 * and scripts: cwd = the repository root, a cleaned environment (no NODE_ENV,
 * which would put the CLI in its test mode with a fake token; no VITEST*; no
 * HEAP_* or SANITY_* leaking in from the caller's shell) and the repository's
 * Node 24 first on PATH (the CLI starts the handler as whichever `node` is first).
 */
import {spawn} from 'node:child_process';
import {delimiter, dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import type {LogRecord} from '../functions/heap-content-sync/index.ts';
import {FUNCTION_NAME} from '../shared/function-settings.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN_DIR = join(REPO_ROOT, 'node_modules', '.bin');
export const SANITY_RUN = join(BIN_DIR, 'sanity-run');

export type EnvOverrides = Record<string, string | undefined>;

const DROPPED = [/^NODE_ENV$/, /^VITEST/, /^HEAP_/, /^SANITY_/, /^NODE_OPTIONS$/, /^TEST$/];

/** A clean environment for the CLI; `overrides` set (or, when undefined, delete) variables on top. */
export function cliEnv(overrides: EnvOverrides = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (value !== undefined && !DROPPED.some((re) => re.test(key))) env[key] = value;
  }
  env.PATH = [BIN_DIR, base.PATH ?? ''].filter(Boolean).join(delimiter);
  env.NO_COLOR = '1';
  env.CI = '1';
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON (`--json`). */
  json?: unknown;
  ms: number;
}

/** Run `sanity-run ...args` from the repository root and wait for it. */
export function runSanity(
  args: readonly string[],
  options: {env?: EnvOverrides; timeoutMs?: number; cwd?: string} = {},
): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(SANITY_RUN, [...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: cliEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `sanity-run ${args.join(' ')} did not finish within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 60_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      let json: unknown;
      try {
        json = stdout.trim() ? JSON.parse(stdout) : undefined;
      } catch {
        json = undefined;
      }
      resolvePromise({code, stdout, stderr, json, ms: Math.round(performance.now() - started)});
    });
  });
}

/** What a `functions test` run gets as its document change. Paths are relative to the CLI's working directory. */
export type FunctionInput = {before: string; after: string} | {file: string} | {data: string};

/** Arguments for `sanity-run functions test heap-content-sync ... --json`. */
export function functionTestArgs(input: FunctionInput, scope: {projectId?: string; dataset?: string} = {}): string[] {
  const args = ['functions', 'test', FUNCTION_NAME];
  if ('before' in input) args.push('--file-before', input.before, '--file-after', input.after);
  else if ('file' in input) args.push('--file', input.file);
  else args.push('--data', input.data);
  if (scope.projectId) args.push('--project-id', scope.projectId);
  if (scope.dataset) args.push('--dataset', scope.dataset);
  args.push('--json');
  return args;
}

/** Run the function once through the real CLI (from `cwd`, default the repository root: where its blueprint is). */
export function runFunctionTest(
  input: FunctionInput,
  options: {env?: EnvOverrides; projectId?: string; dataset?: string; timeoutMs?: number; cwd?: string} = {},
): Promise<CliResult> {
  return runSanity(functionTestArgs(input, options), options);
}

/** The function's JSON log lines inside CLI output (the CLI prefixes each with a date and level). */
export function functionLogLines(output: string): LogRecord[] {
  const marker = `{"fn":"${FUNCTION_NAME}"`;
  const lines: LogRecord[] = [];
  for (const line of output.split('\n')) {
    const at = line.indexOf(marker);
    if (at >= 0) lines.push(JSON.parse(line.slice(at)) as LogRecord);
  }
  return lines;
}

/** The `logs` (success) or the error message (failure) of a `--json` run, as text. */
export function cliOutputText(result: CliResult): string {
  const json = result.json as {logs?: string; error?: {message?: string}} | undefined;
  return [json?.logs, json?.error?.message, result.stdout, result.stderr].filter(Boolean).join('\n');
}
