/**
 * Adopting the project on another content model, end to end, as docs/adopt.md
 * tells a team to: propose a plan from the blog's extracted schema
 * (fixtures/schemas/blog.json), paste it into shared/tracking-plan.ts of a copy
 * of what a team copies (functions/, shared/, the blueprint), check it against
 * the schema, then run the function from that copy through the real Sanity CLI
 * into strict Local Heap: the blog's own fields (per-type sources included, on a
 * delete too) arrive filled. The local CLI resolves no references, so the
 * dereferenced author goes through groq-js and the copy's handler, as
 * tools/function-event.ts does for this repository.
 */
import {cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {pathToFileURL} from 'node:url';
import type {FunctionContext} from '@sanity/functions';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type * as HandlerModule from '../../functions/heap-content-sync/index.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {formatFinding} from '../../scripts/doctor/finding.ts';
import {checkSchema} from '../../scripts/doctor/schema-check.ts';
import {loadSchemaFile} from '../../scripts/schema/extracted-schema.ts';
import {formatProposal, propose} from '../../scripts/schema/propose.ts';
import type * as GroqModule from '../../shared/groq.ts';
import type * as PlanModule from '../../shared/tracking-plan.ts';
import {PROPERTIES} from '../../shared/tracking-plan.ts';
import {fixture, projectChange} from '../../tools/function-event.ts';
import {type CliResult, cliOutputText, functionLogLines, REPO_ROOT, runFunctionTest} from '../../tools/sanity-cli.ts';

const APP_ID = '5151515151';
const SCHEMA = join(REPO_ROOT, 'fixtures/schemas/blog.json');
/** Change files, relative to the copy (the CLI reads them from its working directory). */
const BLOG = (name: string) => `fixtures/blog/${name}`;
const NULL = 'fixtures/null.json';
const SCOPE = {projectId: 'blog1', dataset: 'production'};

let dir: string;
let heap: LocalHeap;
let plan: typeof PlanModule;

/** Replace `export const <name> ... ;` (up to the line that closes it) in a module's source. */
function replaceDeclaration(source: string, name: string, replacement: string): string {
  const start = source.indexOf(`export const ${name}`);
  const end = source.indexOf(name === 'PROPERTIES' ? '\n];' : ';', start);
  if (start === -1 || end === -1) throw new Error(`no ${name} declaration`);
  return source.slice(0, start) + replacement + source.slice(end + (name === 'PROPERTIES' ? 3 : 1));
}

beforeAll(async () => {
  // What a team copies into their repository, with this repository's node_modules.
  dir = mkdtempSync(join(tmpdir(), 'sanity-heap-adopt-'));
  cpSync(join(REPO_ROOT, 'functions'), join(dir, 'functions'), {
    recursive: true,
    filter: (src) => !src.includes('.build'),
  });
  cpSync(join(REPO_ROOT, 'shared'), join(dir, 'shared'), {recursive: true});
  cpSync(join(REPO_ROOT, 'sanity.blueprint.ts'), join(dir, 'sanity.blueprint.ts'));
  cpSync(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(REPO_ROOT, 'fixtures/blog'), join(dir, 'fixtures/blog'), {recursive: true});
  cpSync(join(REPO_ROOT, 'fixtures/null.json'), join(dir, 'fixtures/null.json'));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');

  // npm run plan:propose -- --schema blog.json --types article,landingPage, pasted over the two declarations.
  const proposal = propose(loadSchemaFile(SCHEMA), ['article', 'landingPage'], PROPERTIES);
  const text = formatProposal(proposal, 'npm run plan:propose', 'npm run doctor');
  const planFile = join(dir, 'shared/tracking-plan.ts');
  let source = readFileSync(planFile, 'utf8');
  source = replaceDeclaration(source, 'TRACKED_TYPES', /export const TRACKED_TYPES[^\n]*/.exec(text)![0]);
  source = replaceDeclaration(source, 'PROPERTIES', text.slice(text.indexOf('export const PROPERTIES')).trimEnd());
  writeFileSync(planFile, source);
  plan = (await import(pathToFileURL(planFile).href)) as typeof PlanModule;

  heap = await startLocalHeap({port: 0, strict: true});
}, 60_000);

afterAll(async () => {
  await heap?.close();
  if (dir) rmSync(dir, {recursive: true, force: true});
});

function delivered(result: CliResult): void {
  expect(result.code, cliOutputText(result)).toBe(0);
  const lines = functionLogLines((result.json as {logs: string}).logs);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({outcome: 'delivered', warnings: []});
}

const env = () => ({HEAP_API_URL: heap.url, HEAP_APP_ID: APP_ID});

describe('adopting the plan on a blog model', () => {
  it('the pasted proposal is the plan of the copy, with per-type sources, and the schema check passes', () => {
    expect(plan.TRACKED_TYPES).toEqual(['article', 'landingPage']);
    const byName = Object.fromEntries(plan.PROPERTIES.map((p) => [p.name, p]));
    expect(byName.locale).toMatchObject({groq: 'language', byType: {landingPage: 'locale[0]'}});
    expect(byName.campaign).toMatchObject({groq: 'campaign', byType: {article: 'campaign.code'}});
    expect(byName.topics).toMatchObject({groq: 'tags', byType: {landingPage: 'topics'}});
    expect(byName.author).toMatchObject({groq: 'authors[0]->fullName', byType: {landingPage: 'null'}});
    const findings = checkSchema(loadSchemaFile(SCHEMA), 'blog.json', {
      trackedTypes: plan.TRACKED_TYPES,
      properties: plan.PROPERTIES,
    }).map((f) => formatFinding(f));
    expect(findings.filter((l) => l.startsWith('PROBLEM'))).toEqual([]);
    expect(findings.at(-1)).toBe(
      'NOTE schema: the plan fits blog.json: 13 properties on article, landingPage, typed with groq-js',
    );
  });

  it('a blog article published through the CLI arrives with its own fields (language, campaign.code, tags, a date)', async () => {
    heap.reset();
    delivered(await runFunctionTest({before: NULL, after: BLOG('article.json')}, {env: env(), ...SCOPE, cwd: dir}));
    expect(heap.rejections()).toEqual([]);
    expect(heap.events()).toHaveLength(1);
    expect(heap.events()[0]).toMatchObject({event: 'Content Published', app_id: APP_ID});
    // Locally the CLI resolves no references, so author (authors[0]->fullName) is absent here.
    expect(heap.events()[0]!.properties).toEqual({
      content_id: 'post-heap-for-editors',
      content_type: 'article',
      slug: 'heap-for-editors',
      title: 'Heap for editors',
      topics: 'analytics||editorial',
      locale: 'fr',
      campaign: 'SPRING-25',
      published_at: '2025-03-01T00:00:00.000Z',
      revision: 'rev-post-1',
      dataset: 'production',
    });
  }, 120_000);

  it('a landing page reads its own sources (topics as strings, the first of its locales, a date-time)', async () => {
    heap.reset();
    delivered(
      await runFunctionTest({before: NULL, after: BLOG('landing-page.json')}, {env: env(), ...SCOPE, cwd: dir}),
    );
    expect(heap.events()[0]!.properties).toEqual({
      content_id: 'landing-newsletter',
      content_type: 'landingPage',
      slug: 'newsletter',
      title: 'Subscribe to the newsletter',
      topics: 'newsletter||growth',
      locale: 'de-DE',
      campaign: 'newsletter-q2',
      published_at: '2025-04-02T10:05:00.000Z',
      revision: 'rev-landing-1',
      dataset: 'production',
    });
  }, 120_000);

  it('a delete selects the sources by the deleted document’s type (before()._type)', async () => {
    heap.reset();
    delivered(await runFunctionTest({before: BLOG('article.json'), after: NULL}, {env: env(), ...SCOPE, cwd: dir}));
    expect(heap.events()[0]).toMatchObject({event: 'Content Deleted'});
    expect(heap.events()[0]!.properties).toMatchObject({
      content_id: 'post-heap-for-editors',
      content_type: 'article',
      locale: 'fr',
      campaign: 'SPRING-25',
      topics: 'analytics||editorial',
      published_at: '2025-03-01T00:00:00.000Z',
    });
  }, 120_000);

  it('the dereferenced author arrives filled (projection by groq-js with the referenced people, the copy’s handler)', async () => {
    heap.reset();
    const groq = (await import(pathToFileURL(join(dir, 'shared/groq.ts')).href)) as typeof GroqModule;
    const {createHandler} = (await import(
      pathToFileURL(join(dir, 'functions/heap-content-sync/index.ts')).href
    )) as typeof HandlerModule;
    const people = [fixture('../fixtures/blog/person-ada.json'), fixture('../fixtures/blog/person-grace.json')];
    const article = fixture('../fixtures/blog/article.json');
    const data = await projectChange(null, article, people, {
      filter: groq.functionFilter(),
      projection: groq.FUNCTION_PROJECTION,
    });
    const handler = createHandler({env: env(), write: () => {}});
    const context = {local: true, eventResourceId: 'blog1.production', clientOptions: {}} as unknown as FunctionContext;
    await handler({context, event: {data}});
    expect(heap.rejections()).toEqual([]);
    expect(heap.events()[0]!.properties).toMatchObject({
      content_id: 'post-heap-for-editors',
      author: 'Ada Lovelace',
      topics: 'analytics||editorial',
      locale: 'fr',
      campaign: 'SPRING-25',
    });
  });
});
