/**
 * Runs one of the repository's scripts as `npm run x` does (Node 24 from
 * node_modules/.bin, cwd = repository root, a clean environment plus `env`) and
 * collects its output, for the tests of `npm start`, `heap:local`, `example:web`
 * and `functions:dev`.
 */
import {type ChildProcessWithoutNullStreams, spawn} from 'node:child_process';
import {createServer, type Server} from 'node:net';
import {cliEnv, REPO_ROOT} from '../../tools/sanity-cli.ts';

export const NODE = `${REPO_ROOT}/node_modules/.bin/node`;

export interface Running {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Resolves with stdout once `pattern` matches it; rejects if the process exits first. */
  waitForStdout(pattern: RegExp): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

export function runScript(script: string, args: string[], env: Record<string, string | undefined>): Running {
  const child = spawn(NODE, [script, ...args], {cwd: REPO_ROOT, env: cliEnv(env)});
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of waiters) w();
  };
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    notify();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
  });
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
      notify();
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitForStdout: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) {
            waiters.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            waiters.delete(check);
            reject(new Error(`exited (${child.exitCode}) before printing ${pattern}:\n${out}\n${err}`));
          }
        };
        waiters.add(check);
        check();
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exit;
      }
    },
  };
}

/** A TCP server holding an ephemeral port on 127.0.0.1, as another program would. */
export async function occupyPort(): Promise<{port: number; server: Server; close(): Promise<void>}> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return {port: address.port, server, close: () => new Promise((resolve) => server.close(() => resolve()))};
}
