/**
 * Function logs as `sanity functions logs heap-content-sync --json` prints them,
 * made by running the real function through the real CLI (`functions test`)
 * into a Local Heap that answers 503 when an invocation must fail: delivered,
 * failed, skipped, and a failure later delivered by another invocation. The
 * CLI's `--json` drops a failed run's logs, so the runs are made without it
 * and the function's lines are read from the CLI's "Logs:" output.
 *
 * `logsJson` wraps lines in the logs command's shape: oclif pretty-prints
 * `{"logs": [{"time", "level", "message", "requestId"}]}` with two spaces,
 * newest first (node_modules/@sanity/runtime-cli/dist/cores/functions/logs.js,
 * @oclif/core's logJson).
 *
 * Regenerate the committed fixture (fixtures/logs/heap-content-sync.json):
 *   npx node tools/function-logs.ts
 */
import {randomUUID} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {LocalHeap} from '../local-heap/server.ts';
import {startLocalHeap} from '../local-heap/server.ts';
import {
  cliOutputText,
  type FunctionInput,
  functionLogLines,
  functionTestArgs,
  REPO_ROOT,
  runSanity,
} from './sanity-cli.ts';

export interface LogEntryShape {
  time: string;
  level: string;
  message: string;
  requestId: string;
}

export interface Run {
  /** What the run does (for people reading the fixture). */
  name: string;
  input: FunctionInput;
  /** Heap answers 503 (Retry-After beyond the deadline) to every request of this run. */
  heapDown?: boolean;
}

export const SCOPE = {projectId: 'proj1', dataset: 'production'};

/** In order of time: what the fixture holds. */
export const RUNS: readonly Run[] = [
  {name: 'article published: delivered', input: {before: 'fixtures/null.json', after: 'fixtures/article.v1.json'}},
  {
    name: 'article updated while Heap answers 503: failed',
    input: {before: 'fixtures/article.v1.json', after: 'fixtures/article.v2.json'},
    heapDown: true,
  },
  {
    name: 'landing page published while Heap answers 503: failed',
    input: {before: 'fixtures/null.json', after: 'fixtures/landing-page.json'},
    heapDown: true,
  },
  {
    name: 'the same landing page change again (e.g. retried): delivered, so the failure above is recovered',
    input: {before: 'fixtures/null.json', after: 'fixtures/landing-page.json'},
  },
  {
    name: 'a document without _rev: skipped',
    input: {data: JSON.stringify({_id: 'article-no-rev', _type: 'article', title: 'No revision'})},
  },
  {
    name: 'article deleted while Heap answers 503: failed',
    input: {before: 'fixtures/article.v2.json', after: 'fixtures/null.json'},
    heapDown: true,
  },
];

/** Run `runs` through the real CLI into `heap`; the function's log lines (raw JSON text), oldest first, with their times. */
export async function functionLogLinesFromCli(
  heap: LocalHeap,
  appId: string,
  runs: readonly Run[] = RUNS,
): Promise<{time: string; line: string}[]> {
  const out: {time: string; line: string}[] = [];
  for (const run of runs) {
    heap.clearFaults();
    if (run.heapDown) heap.injectFault({count: 1000, status: 503, retryAfter: 3600});
    const result = await runSanity(
      // Without --json: with it the CLI drops a failed run's logs.
      functionTestArgs(run.input, SCOPE).filter((a) => a !== '--json'),
      {env: {HEAP_API_URL: heap.url, HEAP_APP_ID: appId}},
    );
    const lines = functionLogLines(cliOutputText(result));
    if (lines.length !== 1)
      throw new Error(
        `${run.name}: expected one log line from the function, got ${lines.length}\n${cliOutputText(result)}`,
      );
    out.push({time: new Date().toISOString(), line: JSON.stringify(lines[0])});
  }
  heap.clearFaults();
  return out;
}

/** `lines` (oldest first) as the logs command prints them with --json: newest first, pretty-printed. */
export function logsJson(lines: readonly {time: string; line: string; level?: string}[]): string {
  const logs: LogEntryShape[] = [...lines]
    .reverse()
    .map(({time, line, level}) => ({time, level: level ?? 'INFO', message: line, requestId: randomUUID()}));
  return JSON.stringify({logs}, null, 2);
}

export const FIXTURE = join(REPO_ROOT, 'fixtures', 'logs', 'heap-content-sync.json');
/** The app id the committed fixture was made with (a fake one): it appears in no line. */
export const FIXTURE_APP_ID = '1000000001';

if (import.meta.main) {
  const heap = await startLocalHeap({port: 0, strict: true});
  try {
    const lines = await functionLogLinesFromCli(heap, FIXTURE_APP_ID);
    writeFileSync(FIXTURE, `${logsJson(lines)}\n`);
    console.log(`wrote ${FIXTURE}: ${lines.length} entries; Local Heap stored ${heap.events().length} events`);
  } finally {
    await heap.close();
  }
}
