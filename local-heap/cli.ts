/**
 * `npm run heap:local` — start Local Heap from the command line.
 *
 *   npm run heap:local -- [--port N] [--host H] [--store FILE] [--strict] [--no-rate-limits] [--time-scale X] [--max-body-bytes N]
 *
 * The port: --port, else LOCAL_HEAP_PORT, else 4300 (the rule of tools/ports.ts: a
 * chosen port that is taken is refused in one line, exit 2; a taken default is
 * replaced by a free port, said in one line). Prints its URL once it answers, then
 * one compact line per request. Ctrl-C closes cleanly. A bad flag exits 2.
 */
import {parseArgs} from 'node:util';
import {PortError, type PortSetting, portSetting, startOnPort, waitUntilAnswers} from '../tools/ports.ts';
import {
  DEFAULT_HOST,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_PORT,
  type LocalHeap,
  type LocalHeapOptions,
  startLocalHeap,
} from './server.ts';

export const PORT_VARIABLE = 'LOCAL_HEAP_PORT';
const SERVICE = 'Local Heap';

export const USAGE = `Local Heap: a Heap-compatible Track API for development and tests.

Usage: npm run heap:local -- [options]

Options:
  --port N             port to listen on (default: LOCAL_HEAP_PORT, else ${DEFAULT_PORT}; 0 = any free port)
  --host H             address to bind (default ${DEFAULT_HOST}); requests must name it, or
                       127.0.0.1, localhost or [::1], in their Host header
  --store FILE         append events to FILE (JSON lines) and reload them on start
                       (a last line torn by a crash is cut off, and reported)
  --strict             also reject arrays, booleans, nested objects, null, event names over 255
  --no-rate-limits     disable Heap's rate limits (on by default)
  --time-scale X       shorten rate-limit windows by X (e.g. 0.01 = 100x shorter; counts unchanged)
  --max-body-bytes N   largest request body accepted (default ${DEFAULT_MAX_BODY_BYTES}; Heap documents none)
  -h, --help           show this help

Endpoints: POST /api/track, POST /api/add_user_properties, GET / (live view),
GET|DELETE /api/local/events, GET|POST|DELETE /api/local/faults, GET /api/local/stream.
POST and DELETE under /api/local/ need content-type: application/json; a request with
another site's Origin header is refused.`;

export class UsageError extends Error {
  name = 'UsageError';
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag}: expected an integer ${min}-${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

function parseFlags(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: {type: 'string'},
      host: {type: 'string'},
      store: {type: 'string'},
      strict: {type: 'boolean'},
      'no-rate-limits': {type: 'boolean'},
      'time-scale': {type: 'string'},
      'max-body-bytes': {type: 'string'},
      help: {type: 'boolean', short: 'h'},
    },
  });
}

/** Parse argv (without node and the script) into options; throws UsageError. `undefined` = --help. */
export function parseCli(argv: string[]): LocalHeapOptions | undefined {
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    throw new UsageError(
      err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err),
    );
  }
  const v = parsed.values;
  if (v.help) return undefined;
  const options: LocalHeapOptions = {};
  if (v.port !== undefined) options.port = integer('port', v.port, 0, 65535);
  if (v.host !== undefined) {
    if (v.host === '') throw new UsageError('--host: empty');
    options.host = v.host;
  }
  if (v.store !== undefined) {
    if (v.store === '') throw new UsageError('--store: empty file name');
    options.store = v.store;
  }
  if (v.strict) options.strict = true;
  if (v['max-body-bytes'] !== undefined)
    options.maxBodyBytes = integer('max-body-bytes', v['max-body-bytes'], 1, 1 << 30);
  if (v['time-scale'] !== undefined) {
    const scale = Number(v['time-scale']);
    if (v['time-scale'].trim() === '' || !Number.isFinite(scale) || scale <= 0) {
      throw new UsageError(
        `--time-scale: expected a positive number (e.g. 0.01), got ${JSON.stringify(v['time-scale'])}`,
      );
    }
    if (v['no-rate-limits']) throw new UsageError('--time-scale: makes no sense with --no-rate-limits');
    options.rateLimits = {timeScale: scale};
  }
  if (v['no-rate-limits']) options.rateLimits = false;
  return options;
}

/** Whether a GET /api/local/stats answer is Local Heap's. */
const isLocalHeap = (body: string): boolean => {
  try {
    return typeof (JSON.parse(body) as {requests?: unknown}).requests === 'number';
  } catch {
    return false;
  }
};

/**
 * Start Local Heap under the port rule (tools/ports.ts) and resolve once it answers
 * as Local Heap. `setting` defaults to LOCAL_HEAP_PORT, else 4300.
 */
export async function startLocalHeapOnPort(
  options: Omit<LocalHeapOptions, 'port'> & {setting?: PortSetting; note: (line: string) => void},
): Promise<LocalHeap> {
  const {setting = portSetting(PORT_VARIABLE, DEFAULT_PORT), note, ...rest} = options;
  const heap = await startOnPort(
    setting,
    SERVICE,
    rest.host ?? DEFAULT_HOST,
    (port) => startLocalHeap({...rest, port}),
    note,
  );
  await waitUntilAnswers(`${heap.url}/api/local/stats`, isLocalHeap);
  return heap;
}

async function main(): Promise<void> {
  let options: LocalHeapOptions | undefined;
  try {
    options = parseCli(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`local-heap: ${err.message}\nRun with --help for the options.\n`);
    process.exit(2);
  }
  if (!options) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const {port, ...rest} = options;
  const heap = await startLocalHeapOnPort({
    ...rest,
    setting: port === undefined ? undefined : {variable: '--port', port, explicit: true},
    note: (line) => process.stdout.write(`${line}\n`),
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const notes = [
    options.strict ? 'strict' : null,
    options.rateLimits === false
      ? 'rate limits off'
      : typeof options.rateLimits === 'object'
        ? `time scale ${options.rateLimits.timeScale}`
        : null,
  ].filter(Boolean);
  process.stdout.write(`Local Heap listening on ${heap.url} (live view: ${heap.url}/)\n`);
  if (notes.length) process.stdout.write(`  ${notes.join(', ')}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    heap.close().then(
      () => {
        process.stdout.write(`Local Heap stopped (${signal})\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`local-heap: error while closing: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    if (err instanceof PortError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`local-heap: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
