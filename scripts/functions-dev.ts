/**
 * The Sanity Function emulator (`sanity-run functions dev`) wired to a Heap URL:
 * HEAP_API_URL and HEAP_APP_ID go to the function through the emulator's
 * environment (the function gets the whole shell environment; the blueprint sets
 * no `env`, so nothing overrides them). Clean env, Node 24 first on PATH.
 *
 *   const dev = await startFunctionsDev({port: 8080, heapUrl: heap.url, appId: '1000000001'});
 *   // open dev.url, invoke heap-content-sync; events arrive at heapUrl
 *   await dev.close();
 *
 * Run directly (`node scripts/functions-dev.ts`) it reads HEAP_API_URL, HEAP_APP_ID
 * and FUNCTIONS_DEV_PORT (default 8080) from the environment.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {createServer} from 'node:net';
import {cliEnv, REPO_ROOT, SANITY_RUN} from '../tools/sanity-cli.ts';

export interface FunctionsDevOptions {
  /** 0 = pick a free port. */
  port: number;
  /** Where the function sends events (Local Heap's URL, or Heap's). */
  heapUrl: string;
  appId: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** How long to wait for the emulator to answer (default 30 s). */
  startTimeoutMs?: number;
  /** The emulator's own output, line by line (default: dropped). */
  log?: (line: string) => void;
}

export interface FunctionsDev {
  url: string;
  close(): Promise<void>;
}

/** A port from the environment variable `name` (unset or empty: `fallback`); anything but 0-65535 exits 2 with a message. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`${name} must be a port number (0-65535), got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited(child);
  clearTimeout(timer);
}

/** Start `sanity-run functions dev` and resolve once its web UI answers. */
export async function startFunctionsDev(options: FunctionsDevOptions): Promise<FunctionsDev> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port === 0 ? await freePort(host) : options.port;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RangeError(`port must be 0 or 1-65535, got ${options.port}`);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const child = spawn(SANITY_RUN, ['functions', 'dev', '--host', host, '--port', String(port)], {
    cwd: REPO_ROOT,
    env: cliEnv({HEAP_API_URL: options.heapUrl, HEAP_APP_ID: options.appId}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    output = (output + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim()) options.log?.(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (true) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `sanity-run functions dev exited (${child.exitCode ?? child.signalCode}) before answering on ${url}:\n${output}`,
      );
    }
    try {
      const res = await fetch(url, {signal: AbortSignal.timeout(1000)});
      await res.body?.cancel();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(
        `sanity-run functions dev did not answer on ${url} within ${options.startTimeoutMs ?? 30_000} ms:\n${output}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  return {url, close: () => stop(child)};
}

if (import.meta.main) {
  const heapUrl = process.env.HEAP_API_URL;
  const appId = process.env.HEAP_APP_ID;
  if (!heapUrl || !appId) {
    console.error('Set HEAP_API_URL (e.g. http://127.0.0.1:4300 from `npm run heap:local`) and HEAP_APP_ID.');
    process.exit(1);
  }
  const dev = await startFunctionsDev({
    port: portFromEnv('FUNCTIONS_DEV_PORT', 8080),
    heapUrl,
    appId,
    log: (l) => console.log(l),
  });
  console.log(`Sanity Function emulator: ${dev.url} (events go to ${heapUrl})`);
  const shutdown = () => void dev.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
