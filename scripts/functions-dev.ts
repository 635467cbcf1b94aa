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
 * Run alone (`npm run functions:dev`) it reads HEAP_API_URL, HEAP_APP_ID and
 * FUNCTIONS_DEV_PORT (default 8080, the port rule of tools/ports.ts) from the environment.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {createServer} from 'node:net';
import {FUNCTION_NAME} from '../shared/function-settings.ts';
import {helpRequested} from '../tools/cli-help.ts';
import {
  isPortFree,
  PortError,
  type PortSetting,
  portSetting,
  portTakenMessage,
  startOnPort,
  waitUntilAnswers,
} from '../tools/ports.ts';
import {cliEnv, REPO_ROOT, SANITY_RUN} from '../tools/sanity-cli.ts';

export const PORT_VARIABLE = 'FUNCTIONS_DEV_PORT';
export const DEFAULT_PORT = 8080;
const SERVICE = 'Function emulator';

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

/** Whether a /blueprint answer is this repository's emulator (it lists heap-content-sync). */
function isThisEmulator(body: string): boolean {
  try {
    const {parsedBlueprint} = JSON.parse(body) as {parsedBlueprint?: {resources?: {name?: string}[]}};
    return parsedBlueprint?.resources?.some((r) => r.name === FUNCTION_NAME) === true;
  } catch {
    return false;
  }
}

/**
 * Start `sanity-run functions dev` and resolve once it answers as this repository's
 * emulator (GET /blueprint lists heap-content-sync) while its process is alive: a
 * different server holding the port never counts. A taken port is refused
 * (PortError naming FUNCTIONS_DEV_PORT); `startOnPort` (tools/ports.ts) applies the
 * default-port rule on top.
 */
export async function startFunctionsDev(options: FunctionsDevOptions): Promise<FunctionsDev> {
  const host = options.host ?? '127.0.0.1';
  const setting: PortSetting = {variable: PORT_VARIABLE, port: options.port, explicit: true};
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
    throw new RangeError(`port must be 0 or 1-65535, got ${options.port}`);
  const port = options.port === 0 ? await freePort(host) : options.port;
  if (!(await isPortFree(port, host))) throw new PortError(portTakenMessage(setting, SERVICE, host));
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

  const timeoutMs = options.startTimeoutMs ?? 30_000;
  try {
    await waitUntilAnswers(`${url}/blueprint`, isThisEmulator, {
      timeoutMs,
      gone: () =>
        child.exitCode !== null || child.signalCode !== null
          ? `sanity-run functions dev exited (${child.exitCode ?? child.signalCode}) before answering on ${url}`
          : undefined,
    });
  } catch (error) {
    await stop(child);
    const message = error instanceof Error ? error.message : String(error);
    if (/EADDRINUSE/.test(output)) throw new PortError(portTakenMessage({...setting, port}, SERVICE, host));
    throw new Error(`${message}\n${output}`.trim());
  }
  return {url, close: () => stop(child)};
}

/** A free port chosen now, for the child to bind (the emulator has no port 0 of its own). */
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

export const USAGE = `npm run functions:dev

Starts the Sanity Function emulator (sanity-run functions dev) with HEAP_API_URL and
HEAP_APP_ID passed to the function, and prints its URL once it answers.
Environment: HEAP_API_URL, HEAP_APP_ID (required; e.g. http://127.0.0.1:4300 from
npm run heap:local, and 1000000001), ${PORT_VARIABLE} (${DEFAULT_PORT}; 0 = any free port).`;

async function main(): Promise<number> {
  if (helpRequested(USAGE)) return 0;
  const heapUrl = process.env.HEAP_API_URL;
  const appId = process.env.HEAP_APP_ID;
  if (!heapUrl || !appId) {
    console.error(
      'functions:dev: set HEAP_API_URL and HEAP_APP_ID, e.g. HEAP_API_URL=http://127.0.0.1:4300 HEAP_APP_ID=1000000001 npm run functions:dev',
    );
    return 2;
  }
  const host = '127.0.0.1';
  const dev = await startOnPort(
    portSetting(PORT_VARIABLE, DEFAULT_PORT),
    SERVICE,
    host,
    (port) => startFunctionsDev({port, host, heapUrl, appId, log: (l) => console.log(l)}),
    (line) => console.log(line),
  );
  console.log(`Sanity Function emulator: ${dev.url} (events go to ${heapUrl})`);
  const shutdown = () => void dev.close().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  return -1;
}

if (import.meta.main) {
  main().then(
    (code) => {
      if (code >= 0) process.exit(code);
    },
    (error: unknown) => {
      console.error(error instanceof PortError ? error.message : `functions:dev failed: ${String(error)}`);
      process.exit(error instanceof PortError ? 2 : 1);
    },
  );
}
