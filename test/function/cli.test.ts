/**
 * End to end through the real Sanity CLI: `sanity-run functions test heap-content-sync
 * --file-before ... --file-after ... --json` from the repository root (clean env, Node 24
 * first on PATH), into Local Heap in strict mode on 127.0.0.1. The CLI applies the
 * blueprint's filter and projection with groq-js, bundles the TypeScript function
 * with vite and runs it in a child `node`: about 1 s per run, so the runs are few.
 * The emulator (`functions dev`, via scripts/functions-dev.ts) is tested here too:
 * every CLI run builds into functions/heap-content-sync/.build, so CLI runs stay
 * in this one file, one at a time.
 */
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Browser} from 'playwright-core';
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import type {LogRecord} from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {type FunctionsDev, startFunctionsDev} from '../../scripts/functions-dev.ts';
import {idempotencyKey} from '../../shared/content-event.ts';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {FIXTURE, functionLogLinesFromCli, logsJson} from '../../tools/function-logs.ts';
import {
  type CliResult,
  cliOutputText,
  functionLogLines,
  REPO_ROOT,
  runFunctionTest,
  runSanity,
} from '../../tools/sanity-cli.ts';
import {cliEnv, runCli} from '../backfill/harness.ts';
import {launchChromium} from '../helpers/browser.ts';

const APP_ID = '4242424242';
const SCOPE = {projectId: 'proj1', dataset: 'production'};
const RESOURCE = 'proj1.production';
const ARTICLE_ID = 'article-heap-meets-sanity';
const CREATE = {before: 'fixtures/null.json', after: 'fixtures/article.v1.json'};
const UPDATE = {before: 'fixtures/article.v1.json', after: 'fixtures/article.v2.json'};
const DELETE = {before: 'fixtures/article.v2.json', after: 'fixtures/null.json'};

let heap: LocalHeap;
let env: Record<string, string>;

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  env = {HEAP_API_URL: heap.url, HEAP_APP_ID: APP_ID};
});
afterAll(async () => {
  await heap?.close();
});

/** The one log line of a successful run. */
function logLineOf(result: CliResult): LogRecord {
  expect(result.code, cliOutputText(result)).toBe(0);
  const lines = functionLogLines((result.json as {logs: string}).logs);
  expect(lines).toHaveLength(1);
  expect(result.stdout).not.toContain(APP_ID);
  return lines[0]!;
}

describe('create, update and delete reach Local Heap through the CLI', () => {
  beforeAll(() => heap.reset());

  it('create (dataset-scoped blueprint: SANITY_PROJECT_ID + SANITY_FUNCTION_DATASET) → "Content Published"', async () => {
    // The scoping variables change the blueprint; the CLI reads SANITY_PROJECT_ID as the project too.
    const result = await runFunctionTest(CREATE, {
      env: {...env, SANITY_PROJECT_ID: 'proj1', SANITY_FUNCTION_DATASET: 'production'},
      dataset: 'production',
    });
    expect(logLineOf(result)).toMatchObject({
      outcome: 'delivered',
      event: 'Content Published',
      operation: 'create',
      attempts: 1,
      status: 200,
      resource_id: RESOURCE,
      local: true,
    });
    const events = heap.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      app_id: APP_ID,
      event: 'Content Published',
      identity: 'system:sanity-content',
      timestamp: '2025-03-01T09:30:00.000Z',
      idempotency_key: idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-1', 'create'),
    });
    // Locally the CLI resolves no references (author->name, topics[]->title are null): they are left out.
    expect(events[0]!.properties).toEqual({
      content_id: ARTICLE_ID,
      content_type: 'article',
      slug: 'heap-meet-sanity',
      title: 'Heap, meet Sanity',
      locale: 'en-GB',
      campaign: 'spring-launch',
      experiment_key: 'headline-test',
      experiment_variant: 'long-headline',
      published_at: '2025-03-01T09:30:00.000Z',
      revision: 'rev-article-1',
      dataset: 'production',
    });
  });

  it('update (unscoped blueprint) → "Content Updated" with changed_properties', async () => {
    const result = await runFunctionTest(UPDATE, {env, ...SCOPE});
    expect(logLineOf(result)).toMatchObject({outcome: 'delivered', event: 'Content Updated', operation: 'update'});
    const event = heap.events()[1];
    expect(event).toMatchObject({
      event: 'Content Updated',
      timestamp: '2025-03-04T14:15:00.000Z',
      idempotency_key: idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-2', 'update'),
    });
    expect(event!.properties).toMatchObject({
      title: 'Heap, meet Sanity: every publish is an event',
      campaign: 'summer-relaunch',
      revision: 'rev-article-2',
      changed_properties: 'title||campaign',
    });
  });

  it('delete (after = null: the document only through before()) → "Content Deleted", timestamped when handled', async () => {
    const before = Date.now();
    const result = await runFunctionTest(DELETE, {env, ...SCOPE});
    const after = Date.now();
    expect(logLineOf(result)).toMatchObject({
      outcome: 'delivered',
      event: 'Content Deleted',
      operation: 'delete',
      content_id: ARTICLE_ID,
    });
    const events = heap.events();
    expect(events.map((e) => e.event)).toEqual(['Content Published', 'Content Updated', 'Content Deleted']);
    const event = events[2]!;
    expect(event.idempotency_key).toBe(idempotencyKey(RESOURCE, ARTICLE_ID, 'rev-article-2', 'delete'));
    expect(Date.parse(event.timestamp!)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(event.timestamp!)).toBeLessThanOrEqual(after);
    expect(event.properties).toMatchObject({
      content_id: ARTICLE_ID,
      content_type: 'article',
      revision: 'rev-article-2',
      dataset: 'production',
    });
    expect(heap.rejections()).toEqual([]);
  });
});

describe('failures and edge cases through the CLI', () => {
  beforeEach(() => heap.reset());

  it('503 then 200 → one stored event', async () => {
    heap.injectFault({count: 1, status: 503});
    const result = await runFunctionTest(
      {before: 'fixtures/null.json', after: 'fixtures/landing-page.json'},
      {env, ...SCOPE},
    );
    expect(logLineOf(result)).toMatchObject({outcome: 'delivered', attempts: 2, status: 200});
    expect(heap.stats().requests).toBe(2);
    expect(heap.events()).toHaveLength(1);
    expect(heap.events()[0]!.properties).toMatchObject({content_type: 'landingPage', release_id: 'rSpringSale'});
  });

  it("400 → the CLI exits non-zero with Heap's reason in its output", async () => {
    heap.injectFault({count: 1, status: 400, body: 'properties should be object'});
    const result = await runFunctionTest(CREATE, {env, ...SCOPE});
    expect(result.code).not.toBe(0);
    const output = cliOutputText(result);
    expect(output).toContain(
      'Heap rejected "Content Published" for article-heap-meets-sanity with HTTP 400 after 1 attempt: properties should be object',
    );
    expect(output).not.toContain(APP_ID);
    expect(heap.events()).toHaveLength(0);
  });

  it('no HEAP_APP_ID → fails with the configuration message', async () => {
    const result = await runFunctionTest(CREATE, {env: {HEAP_API_URL: heap.url}, ...SCOPE});
    expect(result.code).not.toBe(0);
    const output = cliOutputText(result);
    expect(output).toContain('HEAP_APP_ID is not set');
    expect(output).toContain('npx sanity-run functions env add heap-content-sync HEAP_APP_ID');
    expect(heap.stats().requests).toBe(0);
  });

  it('plain --data (no before/after) → projected with operation null, treated as a publish and logged', async () => {
    const doc = readFileSync(join(REPO_ROOT, 'fixtures/landing-page.json'), 'utf8');
    const result = await runFunctionTest({data: doc}, {env, ...SCOPE});
    const line = logLineOf(result);
    expect(line).toMatchObject({
      outcome: 'delivered',
      event: 'Content Published',
      operation: 'create',
      operation_assumed: true,
    });
    expect(line.warnings.join('\n')).toMatch(/treated as a publish/);
    expect(heap.events()).toHaveLength(1);
  });

  it('a draft is dropped by the blueprint filter before the handler runs', async () => {
    const result = await runFunctionTest(
      {before: 'fixtures/null.json', after: 'fixtures/article.draft.json'},
      {env, ...SCOPE},
    );
    expect(result.code).toBe(0);
    expect((result.json as {logs: string}).logs).toContain('Skipping invoke');
    expect(functionLogLines((result.json as {logs: string}).logs)).toEqual([]);
    expect(heap.stats().requests).toBe(0);
  });
});

describe('the emulator (scripts/functions-dev.ts), in this file so no two processes build the function at once', () => {
  let dev: FunctionsDev | undefined;
  beforeAll(async () => {
    heap.reset();
    dev = await startFunctionsDev({port: 0, heapUrl: heap.url, appId: APP_ID});
  });
  afterAll(async () => {
    await dev?.close();
  });

  // /invoke reproduces production delete semantics: the document only in `before`, event.data {}.
  it('the emulator answers, and a delete invoked through it reaches Local Heap', async () => {
    const page = await fetch(dev!.url);
    expect(page.status).toBe(200);

    const doc = JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures/article.v2.json'), 'utf8'));
    const res = await fetch(`${dev!.url}/invoke`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({
        func: FUNCTION_NAME,
        data: {context: {clientOptions: {projectId: 'proj1', dataset: 'production'}}, event: {}},
        metadata: {event: 'delete', before: doc, after: null},
      }),
    });
    const body = (await res.json()) as {logs?: string; error?: unknown};
    expect(body.error).toBeUndefined();
    const [line] = functionLogLines(body.logs ?? '');
    expect(line).toMatchObject({outcome: 'delivered', event: 'Content Deleted', resource_id: 'proj1.production'});
    expect(body.logs).not.toContain(APP_ID);
    const events = heap.events();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      event: 'Content Deleted',
      app_id: APP_ID,
      properties: {content_id: 'article-heap-meets-sanity', title: 'Heap, meet Sanity: every publish is an event'},
    });
  });
});

describe('the emulator from a script: the documented POST /invoke bodies (docs/function.md)', () => {
  let dev: FunctionsDev | undefined;
  beforeAll(async () => {
    dev = await startFunctionsDev({port: 0, heapUrl: heap.url, appId: APP_ID});
  });
  afterAll(async () => {
    await dev?.close();
  });

  /** The body files the docs' curl commands send (`--data @fixtures/emulator/...`), in order. */
  const documented = [
    ...readFileSync(join(REPO_ROOT, 'docs/function.md'), 'utf8').matchAll(/curl [^\n]*\/invoke[^\n]*--data @(\S+)/g),
  ].map((m) => m[1]!);

  it('the docs show one body per operation, each carrying the fixtures it names', () => {
    expect(documented).toEqual([
      'fixtures/emulator/invoke-create.json',
      'fixtures/emulator/invoke-update.json',
      'fixtures/emulator/invoke-delete.json',
    ]);
    const fixture = (name: string) => JSON.parse(readFileSync(join(REPO_ROOT, 'fixtures', name), 'utf8'));
    const body = (file: string) => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8'));
    expect(body(documented[0]!).metadata).toEqual({event: 'create', before: null, after: fixture('article.v1.json')});
    expect(body(documented[1]!).metadata).toEqual({
      event: 'update',
      before: fixture('article.v1.json'),
      after: fixture('article.v2.json'),
    });
    expect(body(documented[2]!).metadata).toEqual({event: 'delete', before: fixture('article.v2.json'), after: null});
  });

  it('each documented body, posted as the curl command does, reaches Local Heap as its event', async () => {
    heap.reset();
    const outcomes: unknown[] = [];
    for (const file of documented) {
      const res = await fetch(`${dev!.url}/invoke`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: readFileSync(join(REPO_ROOT, file)),
      });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as {logs?: string; error?: unknown};
      expect(answer.error, answer.logs).toBeUndefined();
      const [line] = functionLogLines(answer.logs ?? '');
      outcomes.push({outcome: line?.outcome, event: line?.event, resource_id: line?.resource_id});
    }
    expect(outcomes).toEqual(
      ['Content Published', 'Content Updated', 'Content Deleted'].map((event) => ({
        outcome: 'delivered',
        event,
        resource_id: 'demo.production',
      })),
    );
    expect(heap.events().map((e) => [e.event, e.properties?.content_id])).toEqual([
      ['Content Published', ARTICLE_ID],
      ['Content Updated', ARTICLE_ID],
      ['Content Deleted', ARTICLE_ID],
    ]);
  });
});

describe('the emulator UI: the steps npm start prints (Chromium)', () => {
  let dev: FunctionsDev | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    dev = await startFunctionsDev({port: 0, heapUrl: heap.url, appId: APP_ID});
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await dev?.close();
  });

  it('Run with the empty document is skipped; pasting fixtures/article.v1.json first sends "Content Published"', async () => {
    heap.reset();
    const page = await browser!.newPage();
    await page.goto(dev!.url);
    const editor = page.locator('payload-panel #payload .cm-content');
    await expect.poll(() => editor.getAttribute('contenteditable')).toBe('true');
    const run = async () => {
      const answer = page.waitForResponse((r) => r.url().endsWith('/invoke'));
      await page.locator('run-panel button').click();
      return (await (await answer).json()) as {logs?: string; error?: unknown};
    };

    const empty = await run();
    expect(empty.logs).toContain('Skipping invoke');
    expect(heap.events()).toEqual([]);

    await editor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.insertText(readFileSync(join(REPO_ROOT, 'fixtures/article.v1.json'), 'utf8'));
    const pasted = await run();
    expect(pasted.error, pasted.logs).toBeUndefined();
    expect(functionLogLines(pasted.logs ?? '')[0]).toMatchObject({outcome: 'delivered', event: 'Content Published'});
    expect(heap.events().map((e) => [e.event, e.properties?.content_id])).toEqual([['Content Published', ARTICLE_ID]]);
    await page.close();
  });
});

describe('function logs → npm run redrive: fresh logs from the real CLI, redrive as a child process', () => {
  let fresh: {time: string; line: string}[];
  beforeAll(async () => {
    heap.reset();
    fresh = await functionLogLinesFromCli(heap, APP_ID);
  }, 120_000);

  it('re-sends exactly the failed events, each once, as the function built them; a second run stores nothing new', async () => {
    const records = fresh.map((l) => JSON.parse(l.line) as LogRecord);
    expect(fresh.map((l) => l.line).join('\n')).not.toContain(APP_ID);
    const delivered = new Set(records.filter((r) => r.outcome === 'delivered').map((r) => r.idempotency_key));
    const lost = records.filter((r) => r.outcome === 'failed' && !delivered.has(r.idempotency_key));
    expect(lost.map((r) => r.event)).toEqual(['Content Updated', 'Content Deleted']);
    const storedBefore = heap.events().length;
    expect(storedBefore).toBe(2);

    const dir = mkdtempSync(join(tmpdir(), 'cli-redrive-'));
    try {
      const file = join(dir, 'logs.json');
      writeFileSync(file, logsJson(fresh));
      const env = cliEnv({HEAP_APP_ID: APP_ID, HEAP_API_URL: heap.url});
      const first = await runCli(['--logs', file, '--time-scale', '0.001'], env, {script: 'scripts/redrive.ts'});
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout + first.stderr).not.toContain(APP_ID);
      const added = heap.events().slice(storedBefore);
      expect(
        added.map(({identity, event, timestamp, properties, idempotency_key}) => ({
          identity,
          event,
          timestamp,
          properties,
          idempotency_key,
        })),
      ).toEqual(lost.map((r) => r.heap_event));

      const second = await runCli(['--logs', file, '--time-scale', '0.001'], env, {script: 'scripts/redrive.ts'});
      expect(second.code, second.stderr).toBe(0);
      expect(heap.events()).toHaveLength(storedBefore + lost.length);
    } finally {
      rmSync(dir, {recursive: true, force: true});
    }
  });

  it('the committed fixture (fixtures/logs/) holds what the function logs today (regenerate: npx node tools/function-logs.ts)', () => {
    // Timings differ run to run, and a delete is timestamped when it is handled.
    const comparable = (line: string) => {
      const r = JSON.parse(line) as LogRecord;
      const event = r.heap_event && {
        ...r.heap_event,
        timestamp: r.event === 'Content Deleted' ? 'now' : r.heap_event.timestamp,
      };
      return {outcome: r.outcome, key: r.idempotency_key, status: r.status, event};
    };
    const committed = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as {logs: {message: string}[]}).logs
      .map((e) => e.message)
      .reverse();
    expect(committed.map(comparable)).toEqual(fresh.map((l) => comparable(l.line)));
  });
});

describe('the built function', () => {
  it('imports no package at all (only its own modules and node: built-ins) and has no package.json of its own', () => {
    const fnDir = join(REPO_ROOT, 'functions/heap-content-sync');
    expect(existsSync(join(fnDir, 'package.json'))).toBe(false);
    const buildDir = join(fnDir, '.build');
    const files = readdirSync(buildDir, {recursive: true, encoding: 'utf8'}).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(0);
    const bare = new Set<string>();
    for (const file of files) {
      const code = readFileSync(join(buildDir, file), 'utf8');
      for (const m of code.matchAll(
        /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g,
      )) {
        const spec = m[1] ?? m[2]!;
        if (!spec.startsWith('.') && !spec.startsWith('node:')) bare.add(spec);
      }
    }
    expect([...bare]).toEqual([]);
  });
});

describe("what `blueprints deploy` uploads: the CLI's own packaging (`sanity-run functions build`, the same prepareAsset)", () => {
  it("is the function's own modules and nothing to install: no node_modules in the zip", async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'heap-fn-zip-'));
    try {
      // Offline: were the function to import a package, the CLI would `npm install` it into the artifact;
      // with npm offline that install comes from the local cache or fails, never from the registry.
      const result = await runSanity(['functions', 'build', FUNCTION_NAME, '--out-dir', outDir, '--json'], {
        env: {npm_config_offline: 'true'},
        timeoutMs: 120_000,
      });
      expect(result.code, cliOutputText(result)).toBe(0);
      const built = (result.json as {built: {name: string; size: number; path: string}[]}).built;
      expect(built.map((b) => b.name)).toEqual([FUNCTION_NAME]);
      // Zip entry names are stored uncompressed: an installed dependency would show as node_modules/...
      const zip = readFileSync(built[0]!.path);
      expect(zip.includes('index.js')).toBe(true);
      expect(zip.includes('node_modules/')).toBe(false);
      // The folder the CLI zipped: built modules, their source maps and the generated package.json, no dependencies.
      const packaged = join(REPO_ROOT, 'functions', FUNCTION_NAME, '.build', `function-${FUNCTION_NAME}`);
      const files = readdirSync(packaged, {recursive: true, encoding: 'utf8'});
      expect(files.filter((f) => !/\.js(\.map)?$/.test(f))).toEqual(['package.json']);
      expect(JSON.parse(readFileSync(join(packaged, 'package.json'), 'utf8'))).toEqual({
        main: 'index.js',
        type: 'module',
      });
    } finally {
      rmSync(outDir, {recursive: true, force: true});
    }
  });
});
