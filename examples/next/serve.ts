/**
 * Runs the Next.js example against local stand-ins: a Content Lake stand-in
 * (tools/content-lake.ts) with the example dataset (examples/web/content.ts),
 * which the pages query with @sanity/client, and Local Heap behind the page's
 * heap shim.
 *
 *   await buildNextExample();                       // `next build` into examples/next/.next
 *   const site = await startNextExample({heapUrl, appId, mode: 'start'});
 *   // open site.url; await site.close();
 *
 * `npm run example:next` (production build, then `next start`) and
 * `npm run example:next:dev` (`next dev`, React StrictMode) run it from the command line.
 */
import {type ChildProcess, spawn} from 'node:child_process';
import {createRequire} from 'node:module';
import {fileURLToPath} from 'node:url';
import {helpRequested} from '../../tools/cli-help.ts';
import {startContentLake} from '../../tools/content-lake.ts';
import {isPortFree, PortError, portSetting, portTakenMessage, startOnPort} from '../../tools/ports.ts';
import {cliEnv, REPO_ROOT} from '../../tools/sanity-cli.ts';
import {EXAMPLE_DOCUMENTS, type ExampleDocument} from '../web/content.ts';

export const NEXT_APP_DIR = fileURLToPath(new URL('./', import.meta.url));
const NEXT_BIN = createRequire(import.meta.url).resolve('next/dist/bin/next');
/** The project and dataset the example's client asks the stand-in for. */
export const EXAMPLE_PROJECT = {projectId: 'demo', dataset: 'production'};

export interface NextExampleOptions {
  /** Where Local Heap (or any Heap-compatible Track API) listens, e.g. http://127.0.0.1:4300. */
  heapUrl: string;
  /** The app id the page's snippet loads Heap with. */
  appId: string;
  /** `start`: the production build (run {@link buildNextExample} first); `dev`: `next dev`. */
  mode: 'start' | 'dev';
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  documents?: readonly ExampleDocument[];
  /** Receives Next's output, line by line. */
  log?: (line: string) => void;
}

export interface NextExample {
  url: string;
  /** The Content Lake stand-in the pages query. */
  lakeUrl: string;
  close(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv, log: (line: string) => void): ChildProcess {
  const child = spawn(process.execPath, [NEXT_BIN, ...args], {
    cwd: REPO_ROOT,
    env: cliEnv({NEXT_TELEMETRY_DISABLED: '1', ...env}),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) log(line);
    });
  }
  return child;
}

const exited = (child: ChildProcess): Promise<number | null> =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((r) => child.once('exit', (code) => r(code)));

/** `next build` of the example; rejects with Next's output when the build fails. */
export async function buildNextExample(options: {log?: (line: string) => void} = {}): Promise<void> {
  const output: string[] = [];
  const child = run(['build', NEXT_APP_DIR], {}, (line) => {
    output.push(line);
    options.log?.(line);
  });
  const code = await exited(child);
  if (code !== 0) throw new Error(`next build ${NEXT_APP_DIR} failed (exit ${code}):\n${output.join('\n')}`);
}

export async function startNextExample(options: NextExampleOptions): Promise<NextExample> {
  const lake = await startContentLake({documents: options.documents ?? EXAMPLE_DOCUMENTS, ...EXAMPLE_PROJECT});
  const host = options.host ?? '127.0.0.1';
  const output: string[] = [];
  const child = run(
    [options.mode, NEXT_APP_DIR, '--port', String(options.port ?? 0), '--hostname', host],
    {
      SANITY_PROJECT_ID: EXAMPLE_PROJECT.projectId,
      SANITY_DATASET: EXAMPLE_PROJECT.dataset,
      SANITY_API_HOST: lake.url,
      HEAP_API_URL: options.heapUrl,
      HEAP_APP_ID: options.appId,
    },
    (line) => {
      output.push(line);
      options.log?.(line);
    },
  );
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited(child);
    }
    await lake.close();
  };
  // Next prints "- Local: http://host:port" once it listens (with the real port when given 0).
  const url = await new Promise<string>((resolve, reject) => {
    const onLine = () => {
      const match = output.join('\n').match(/- Local:\s+(http:\/\/\S+)/);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onLine);
    child.once('exit', (code) => reject(new Error(`next ${options.mode} exited (${code}):\n${output.join('\n')}`)));
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {url, lakeUrl: lake.url, close: stop};
}

export const PORT_VARIABLE = 'EXAMPLE_NEXT_PORT';
export const DEFAULT_PORT = 3000;

export const USAGE = `npm run example:next        production build (next build), then next start
npm run example:next:dev    next dev (React StrictMode)

Serves the Next.js example against a Content Lake stand-in with the example articles, and a
running Local Heap (npm run heap:local); prints its URL once it answers.
Environment: ${PORT_VARIABLE} (${DEFAULT_PORT}; 0 = any free port), HEAP_API_URL (http://127.0.0.1:4300),
HEAP_APP_ID (1000000001).`;

/** `npm run example:next` / `npm run example:next:dev`, under the port rule of tools/ports.ts. */
async function main(): Promise<void> {
  const argv = process.argv.slice(2).filter((arg) => arg !== '--dev');
  if (helpRequested(USAGE, argv)) return;
  const mode = process.argv.includes('--dev') ? 'dev' : 'start';
  const setting = portSetting(PORT_VARIABLE, DEFAULT_PORT);
  const host = '127.0.0.1';
  // A chosen port that is taken is refused before the build, not after it.
  if (setting.explicit && !(await isPortFree(setting.port, host)))
    throw new PortError(portTakenMessage(setting, 'Next.js example', host));
  if (mode === 'start') await buildNextExample({log: (line) => console.log(line)});
  const heapUrl = process.env.HEAP_API_URL || 'http://127.0.0.1:4300';
  const site = await startOnPort(
    setting,
    'Next.js example',
    host,
    (port) =>
      startNextExample({mode, port, host, heapUrl, appId: process.env.HEAP_APP_ID || '1000000001', log: console.log}),
    (line) => console.log(line),
  );
  console.log(`Next.js example: ${site.url} (browser events go to ${heapUrl})`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void site.close().then(() => process.exit(0)));
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error instanceof PortError ? error.message : `example:next failed: ${String(error)}`);
    process.exit(error instanceof PortError ? 2 : 1);
  });
}
