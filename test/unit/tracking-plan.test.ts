import {evaluate, parse} from 'groq-js';
import {describe, expect, it} from 'vitest';
import {buildContentEvent} from '../../shared/content-event.ts';
import {
  BACKFILL_PROJECTION,
  DOCUMENT_FIELDS,
  FUNCTION_PROJECTION,
  functionFilter,
  PAGE_PROJECTION,
} from '../../shared/groq.ts';
import {MAX_EVENT_NAME, MAX_PROPERTY_LENGTH} from '../../shared/heap-rules.ts';
import {PROPERTY_KEY} from '../../shared/normalize.ts';
import {
  BROWSER_PROPERTIES,
  DEFAULT_IDENTITY,
  EVENTS,
  type Operation,
  PROPERTIES,
  SERVER_CONTEXT_PROPERTIES,
  SERVER_ONLY_PROPERTIES,
  TRACKED_TYPES,
} from '../../shared/tracking-plan.ts';

describe('the tracking plan', () => {
  const names = PROPERTIES.map((p) => p.name);

  it('has the properties the issue promises, the same on every event', () => {
    expect([...names, 'dataset'].sort()).toEqual(
      [
        'content_id',
        'content_type',
        'slug',
        'title',
        'author',
        'topics',
        'locale',
        'campaign',
        'release_id',
        'experiment_key',
        'experiment_variant',
        'published_at',
        'revision',
        'dataset',
      ].sort(),
    );
    expect(SERVER_CONTEXT_PROPERTIES).toContain('changed_properties');
  });

  it('has unique snake_case names, server context included', () => {
    const all = [...names, ...SERVER_CONTEXT_PROPERTIES];
    expect(new Set(all).size).toBe(all.length);
    for (const n of all) expect(n).toMatch(PROPERTY_KEY);
  });

  it('keeps every limit below Heap’s 1024 characters', () => {
    for (const p of PROPERTIES) {
      expect(p.maxLength).toBeGreaterThan(0);
      expect(p.maxLength).toBeLessThan(MAX_PROPERTY_LENGTH);
      expect(['id', 'string', 'list', 'datetime', 'number']).toContain(p.kind);
      expect(p.groq.trim()).not.toBe('');
    }
  });

  it('names distinct events of at most 255 characters', () => {
    const events = Object.values(EVENTS);
    expect(new Set(events).size).toBe(events.length);
    for (const e of events) expect(e.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
    expect(EVENTS).toMatchObject({
      create: 'Content Published',
      update: 'Content Updated',
      delete: 'Content Deleted',
      view: 'Content Viewed',
    });
  });

  it('tracks the default types', () => {
    expect(TRACKED_TYPES).toEqual(['article', 'landingPage', 'productPage', 'docsPage']);
  });

  it('keeps server-only properties off the browser', () => {
    const browser = BROWSER_PROPERTIES.map((p) => p.name);
    for (const n of SERVER_ONLY_PROPERTIES) expect(browser).not.toContain(n);
    expect(SERVER_ONLY_PROPERTIES).toContain('revision');
    expect(browser).toContain('content_id');
  });
});

// ---------------------------------------------------------------------------
// The generated GROQ, parsed and evaluated by groq-js.

const author = {_id: 'person-ada', _type: 'person', name: 'Ada Lovelace'};
const grace = {_id: 'person-grace', _type: 'person', name: 'Grace Hopper'};
const topicGroq = {_id: 'topic-groq', _type: 'topic', title: 'GROQ'};
const topicHeap = {_id: 'topic-heap', _type: 'topic', title: 'Heap'};

const articleV1 = {
  _id: 'article-1',
  _type: 'article',
  _rev: 'rev1',
  _createdAt: '2025-01-10T09:00:00Z',
  _updatedAt: '2025-01-10T09:00:00Z',
  title: 'Hello, world',
  slug: {_type: 'slug', current: 'hello-world'},
  author: {_type: 'reference', _ref: 'person-ada'},
  topics: [
    {_type: 'reference', _ref: 'topic-groq', _key: 'k1'},
    {_type: 'reference', _ref: 'topic-missing', _key: 'k2'},
  ],
  locale: 'en',
  publishedAt: '2025-01-10T09:00:00Z',
  body: [{_type: 'block', children: [{_type: 'span', text: 'Not tracked'}]}],
};
const articleV2 = {
  ...articleV1,
  _rev: 'rev2',
  _updatedAt: '2025-01-15T11:58:00Z',
  title: 'Hello again',
  author: {_type: 'reference', _ref: 'person-grace'},
  topics: [...articleV1.topics, {_type: 'reference', _ref: 'topic-heap', _key: 'k3'}],
  campaign: 'spring',
  body: [],
};
const draft = {...articleV2, _id: 'drafts.article-1'};
const version = {...articleV2, _id: 'versions.rSpring.article-1'};
const person = {...author, _rev: 'p1'};
const dataset = [author, grace, topicGroq, topicHeap, articleV2];

const RESOURCE = 'p1abc.production';
const NOW = new Date('2025-01-15T12:00:00.000Z');

/** Evaluate a delta-mode expression the way a document function sees it: `@` is the document after (`{}` after a delete). */
async function delta(query: string, before: unknown, after: unknown): Promise<unknown> {
  const tree = parse(query, {mode: 'delta'});
  const result = await evaluate(tree, {root: after ?? {}, dataset, before, after});
  return result.get();
}

describe('the generated GROQ', () => {
  it('parses in delta mode (filter and projection) and in normal mode (page and backfill)', () => {
    expect(() => parse(functionFilter(), {mode: 'delta'})).not.toThrow();
    expect(() => parse(FUNCTION_PROJECTION, {mode: 'delta'})).not.toThrow();
    expect(() => parse(`*[_type == "article"][0]${PAGE_PROJECTION}`)).not.toThrow();
    expect(() => parse(`*[_type == "article"]${BACKFILL_PROJECTION}`)).not.toThrow();
  });

  it('has no sub-queries in the filter or projection (Sanity forbids them)', () => {
    /** Node types anywhere in a parsed tree. */
    const types = (node: unknown, out = new Set<string>()): Set<string> => {
      if (Array.isArray(node)) for (const n of node) types(n, out);
      else if (node && typeof node === 'object') {
        const t = (node as {type?: unknown}).type;
        if (typeof t === 'string') out.add(t);
        for (const v of Object.values(node)) types(v, out);
      }
      return out;
    };
    expect(types(parse('*[_type == "a"]{x}'))).toContain('Everything'); // the check can see one
    expect(types(parse(functionFilter(), {mode: 'delta'}))).not.toContain('Everything');
    expect(types(parse(FUNCTION_PROJECTION, {mode: 'delta'}))).not.toContain('Everything');
  });

  it('derives every projected property from the plan', () => {
    for (const p of PROPERTIES) expect(DOCUMENT_FIELDS).toContain(`${JSON.stringify(p.name)}: ${p.groq}`);
  });
});

describe('the filter', () => {
  it.each([
    ['a create of a tracked type', null, articleV1, true],
    ['an update of a tracked type', articleV1, articleV2, true],
    ['a delete, seen only through before()', articleV2, null, true],
    ['a create of an untracked type', null, person, false],
    ['a delete of an untracked type', person, null, false],
    ['a draft', articleV1, draft, false],
    ['a deleted draft', draft, null, false],
    ['a release version', null, version, false],
    ['a deleted release version', version, null, false],
  ])('%s → %s', async (_what, before, after, expected) => {
    expect(await delta(functionFilter(), before, after)).toBe(expected);
  });

  it('can be narrowed to fewer types', async () => {
    expect(await delta(functionFilter(['landingPage']), null, articleV1)).toBe(false);
    expect(await delta(functionFilter(['landingPage']), null, {...articleV1, _type: 'landingPage'})).toBe(true);
  });
});

describe('the function projection over a fixture dataset', () => {
  const cases: [Operation, unknown, unknown][] = [
    ['create', null, articleV1],
    ['update', articleV1, articleV2],
    ['delete', articleV2, null],
  ];

  it.each(cases)(
    '%s: delivers the operation and the plan’s fields, dereferences resolved',
    async (operation, before, after) => {
      const data = (await delta(FUNCTION_PROJECTION, before, after)) as Record<string, unknown>;
      const doc = (operation === 'delete' ? before : after) as typeof articleV2;
      expect(data.operation).toBe(operation);
      expect(data).toMatchObject({
        _id: 'article-1',
        _type: 'article',
        _rev: doc._rev,
        _updatedAt: doc._updatedAt,
        content_id: 'article-1',
        content_type: 'article',
        slug: 'hello-world',
        title: doc.title,
        author: doc === articleV1 ? 'Ada Lovelace' : 'Grace Hopper',
        topics: doc === articleV1 ? ['GROQ', null] : ['GROQ', null, 'Heap'],
        locale: 'en',
        published_at: '2025-01-10T09:00:00Z',
        revision: doc._rev,
      });
      expect(data).not.toHaveProperty('body');
      if (operation === 'update')
        expect(data.previous).toMatchObject({
          _rev: 'rev1',
          title: 'Hello, world',
          author: 'Ada Lovelace',
          topics: ['GROQ', null],
        });
      else expect(data.previous).toBeNull();
    },
  );

  it.each(cases)('%s: becomes the right Heap event', async (operation, before, after) => {
    const data = (await delta(FUNCTION_PROJECTION, before, after)) as Record<string, unknown>;
    const r = buildContentEvent({
      operation,
      doc: data,
      previous: data.previous,
      resourceId: RESOURCE,
      identity: DEFAULT_IDENTITY,
      now: NOW,
    });
    if (!r.ok) throw new Error(r.reason);
    const expected = {
      create: {
        event: 'Content Published',
        timestamp: '2025-01-10T09:00:00.000Z',
        key: 'rev1:create',
        props: {title: 'Hello, world', author: 'Ada Lovelace', topics: 'GROQ', revision: 'rev1'},
      },
      update: {
        event: 'Content Updated',
        timestamp: '2025-01-15T11:58:00.000Z',
        key: 'rev2:update',
        props: {
          title: 'Hello again',
          author: 'Grace Hopper',
          topics: 'GROQ||Heap',
          campaign: 'spring',
          revision: 'rev2',
          changed_properties: 'title||author||topics||campaign',
        },
      },
      delete: {
        event: 'Content Deleted',
        timestamp: NOW.toISOString(),
        key: 'rev2:delete',
        props: {
          title: 'Hello again',
          author: 'Grace Hopper',
          topics: 'GROQ||Heap',
          campaign: 'spring',
          revision: 'rev2',
        },
      },
    }[operation];
    expect(r.event).toEqual({
      identity: DEFAULT_IDENTITY,
      event: expected.event,
      timestamp: expected.timestamp,
      idempotency_key: `sanity:${RESOURCE}:article-1:${expected.key}`,
      properties: {
        content_id: 'article-1',
        content_type: 'article',
        slug: 'hello-world',
        locale: 'en',
        published_at: '2025-01-10T09:00:00.000Z',
        dataset: 'production',
        ...expected.props,
      },
    });
    expect(r.warnings).toEqual([]);
  });
});

describe('the page and backfill projections', () => {
  it('the page projection returns exactly the browser properties', async () => {
    const result = await (
      await evaluate(parse(`*[_type == "article" && slug.current == $slug][0]${PAGE_PROJECTION}`), {
        dataset,
        params: {slug: 'hello-world'},
      })
    ).get();
    expect(Object.keys(result).sort()).toEqual(BROWSER_PROPERTIES.map((p) => p.name).sort());
    expect(result).toMatchObject({content_id: 'article-1', author: 'Grace Hopper', topics: ['GROQ', null, 'Heap']});
  });

  it('the backfill projection yields documents buildContentEvent accepts', async () => {
    const docs = (await (
      await evaluate(parse(`*[_type in $types]${BACKFILL_PROJECTION}`), {dataset, params: {types: TRACKED_TYPES}})
    ).get()) as unknown[];
    expect(docs).toHaveLength(1);
    const r = buildContentEvent({
      operation: 'create',
      doc: docs[0],
      resourceId: RESOURCE,
      identity: DEFAULT_IDENTITY,
      now: NOW,
    });
    expect(r.ok && r.event.properties).toMatchObject({
      content_id: 'article-1',
      author: 'Grace Hopper',
      topics: 'GROQ||Heap',
    });
  });
});
