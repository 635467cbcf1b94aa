import {describe, expect, it} from 'vitest';
import {
  buildContentEvent,
  type ContentEventInput,
  changedProperties,
  idempotencyKey,
} from '../../shared/content-event.ts';
import {MAX_EVENT_NAME, MAX_IDENTITY} from '../../shared/heap-rules.ts';
import {PROPERTY_KEY} from '../../shared/normalize.ts';
import {DEFAULT_IDENTITY, EVENTS} from '../../shared/tracking-plan.ts';

const NOW = new Date('2025-01-15T12:00:00.000Z');
const RESOURCE = 'p1abc.production';

/** A document as the function's projection delivers it (plan names plus system fields). */
const projected = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  _id: 'article-1',
  _type: 'article',
  _rev: 'rev2',
  _createdAt: '2025-01-10T09:00:00Z',
  _updatedAt: '2025-01-15T11:58:00Z',
  content_id: 'article-1',
  content_type: 'article',
  slug: 'hello-world',
  title: 'Hello, world',
  author: 'Ada Lovelace',
  topics: ['GROQ', 'Heap'],
  locale: 'en',
  campaign: null,
  release_id: null,
  experiment_key: null,
  published_at: '2025-01-10T09:00:00Z',
  revision: 'rev2',
  ...over,
});

const input = (over: Partial<ContentEventInput> = {}): ContentEventInput => ({
  operation: 'create',
  doc: projected(),
  resourceId: RESOURCE,
  identity: DEFAULT_IDENTITY,
  now: NOW,
  ...over,
});

const ok = (i: ContentEventInput) => {
  const r = buildContentEvent(i);
  if (!r.ok) throw new Error(`expected an event, got: ${r.reason}`);
  return r;
};
const reason = (i: ContentEventInput): string => {
  const r = buildContentEvent(i);
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
};

describe('create', () => {
  it('is "Content Published" at _updatedAt with every plan property and the dataset', () => {
    const {event, warnings} = ok(input());
    expect(event).toEqual({
      identity: DEFAULT_IDENTITY,
      event: 'Content Published',
      timestamp: '2025-01-15T11:58:00.000Z',
      properties: {
        content_id: 'article-1',
        content_type: 'article',
        slug: 'hello-world',
        title: 'Hello, world',
        author: 'Ada Lovelace',
        topics: 'GROQ||Heap',
        locale: 'en',
        published_at: '2025-01-10T09:00:00.000Z',
        revision: 'rev2',
        dataset: 'production',
      },
      idempotency_key: 'sanity:p1abc.production:article-1:rev2:create',
    });
    expect(warnings).toEqual([]);
  });

  it('has no changed_properties', () => {
    expect(ok(input({previous: projected({title: 'Old'})})).event.properties).not.toHaveProperty('changed_properties');
  });

  it('falls back to the time of handling when _updatedAt is missing or not a date', () => {
    expect(ok(input({doc: projected({_updatedAt: undefined})})).event.timestamp).toBe(NOW.toISOString());
    expect(ok(input({doc: projected({_updatedAt: 'yesterday-ish'})})).event.timestamp).toBe(NOW.toISOString());
  });
});

describe('update', () => {
  it('is "Content Updated" with the tracked properties that changed, in plan order', () => {
    const previous = projected({
      _rev: 'rev1',
      revision: 'rev1',
      title: 'Old title',
      topics: ['GROQ'],
      campaign: 'spring',
    });
    const {event} = ok(input({operation: 'update', previous}));
    expect(event.event).toBe('Content Updated');
    expect(event.timestamp).toBe('2025-01-15T11:58:00.000Z');
    expect(event.properties.changed_properties).toBe('title||topics||campaign');
    expect(event.idempotency_key).toBe('sanity:p1abc.production:article-1:rev2:update');
  });

  it('leaves changed_properties out when only untracked fields (or the revision) changed', () => {
    const {event, warnings} = ok(
      input({operation: 'update', previous: projected({_rev: 'rev1', revision: 'rev1', body: 'old text'})}),
    );
    expect(event.properties).not.toHaveProperty('changed_properties');
    expect(warnings).toEqual([]);
  });

  it('compares normalised values: a cut title equal after cutting is unchanged', () => {
    const long = 'x'.repeat(2000);
    const {event} = ok(
      input({operation: 'update', doc: projected({title: long}), previous: projected({title: `${long}y`})}),
    );
    expect(event.properties).not.toHaveProperty('changed_properties');
  });

  it('warns when the previous version is missing', () => {
    const {event, warnings} = ok(input({operation: 'update'}));
    expect(event.properties).not.toHaveProperty('changed_properties');
    expect(warnings).toEqual(['changed_properties: no previous version in the event; omitted']);
  });
});

describe('delete', () => {
  it('is "Content Deleted" at the time of handling, whatever _updatedAt says', () => {
    const {event} = ok(input({operation: 'delete'}));
    expect(event.event).toBe('Content Deleted');
    expect(event.timestamp).toBe('2025-01-15T12:00:00.000Z');
    expect(event.idempotency_key).toBe('sanity:p1abc.production:article-1:rev2:delete');
    expect(event.properties).not.toHaveProperty('changed_properties');
  });
});

describe('overrides', () => {
  it('takes an explicit timestamp and extra properties (the backfill)', () => {
    const {event} = ok(input({timestamp: '2024-06-01T00:00:00Z', extra: {source: 'backfill'}}));
    expect(event.timestamp).toBe('2024-06-01T00:00:00Z');
    expect(event.properties.source).toBe('backfill');
  });

  it('omits the dataset when the resource id has none', () => {
    expect(ok(input({resourceId: 'p1abc'})).event.properties).not.toHaveProperty('dataset');
  });
});

describe('what reaches Heap is valid', () => {
  it.each(['create', 'update', 'delete'] as const)(
    '%s: names ≤ 255, snake_case keys, string or number values',
    (operation) => {
      const {event} = ok(
        input({
          operation,
          previous: projected({title: 'Before'}),
          doc: projected({title: '😀'.repeat(700), topics: ['a||b', null, 7]}),
        }),
      );
      expect(event.event).toBe(EVENTS[operation]);
      expect(event.event.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
      expect(event.identity.length).toBeLessThanOrEqual(MAX_IDENTITY);
      for (const [k, v] of Object.entries(event.properties)) {
        expect(k).toMatch(PROPERTY_KEY);
        expect(['string', 'number']).toContain(typeof v);
        if (typeof v === 'string') expect(v.length).toBeLessThan(1024);
      }
    },
  );

  it('passes the normaliser’s warnings on', () => {
    const {event, warnings} = ok(input({doc: projected({title: true, locale: 'l'.repeat(50)})}));
    expect(event.properties).not.toHaveProperty('title');
    expect(warnings).toEqual([
      'title: expected a string, got boolean; dropped',
      'locale: cut from 50 to 35 characters',
    ]);
  });
});

describe('rejections', () => {
  it.each([
    [null, 'document is null, expected an object'],
    [[], 'document is an array, expected an object'],
    ['article-1', 'document is string, expected an object'],
    [42, 'document is number, expected an object'],
    [undefined, 'document is undefined, expected an object'],
  ])('%o: %s', (doc, expected) => {
    expect(reason(input({doc}))).toBe(expected);
  });

  it.each([
    [{_id: undefined}, '_id missing or not a string'],
    [{_id: ''}, '_id missing or not a string'],
    [{_id: 7}, '_id missing or not a string'],
    [{_type: undefined}, '_type missing or not a string'],
    [{_type: ''}, '_type missing or not a string'],
    [
      {_id: `a${'b'.repeat(128)}`},
      '_id is not a Sanity document id (letters, digits, ".", "_" and "-", at most 128 characters)',
    ],
    [{_id: 'article 1'}, '_id is not a Sanity document id (letters, digits, ".", "_" and "-", at most 128 characters)'],
    [
      {_id: 'article-\uD800'},
      '_id is not a Sanity document id (letters, digits, ".", "_" and "-", at most 128 characters)',
    ],
    [
      {_rev: undefined},
      '_rev missing or malformed (letters, digits, ".", "_" and "-", at most 128 characters; needed for the idempotency key)',
    ],
    [
      {_rev: ''},
      '_rev missing or malformed (letters, digits, ".", "_" and "-", at most 128 characters; needed for the idempotency key)',
    ],
    [
      {_rev: 'r'.repeat(129)},
      '_rev missing or malformed (letters, digits, ".", "_" and "-", at most 128 characters; needed for the idempotency key)',
    ],
  ])('%o: %s', (over, expected) => {
    expect(reason(input({doc: projected(over)}))).toBe(expected);
  });

  it.each(['drafts.article-1', 'versions.rSpring.article-1'])('%s is not a published document', (id) => {
    expect(reason(input({doc: projected({_id: id, content_id: id})}))).toBe(
      `${id} is a draft or release version, not a published document`,
    );
  });

  it('cuts a huge id in the reason', () => {
    const id = `drafts.${'x'.repeat(5000)}`;
    expect(reason(input({doc: projected({_id: id})})).length).toBeLessThan(200);
  });

  it('rejects a raw document that was not projected (no content_id)', () => {
    expect(buildContentEvent(input({doc: {_id: 'a', _type: 'article', _rev: 'r'}})).ok).toBe(false);
  });

  it.each(['', 'i'.repeat(256)])('rejects an identity of %#', (identity) => {
    expect(reason(input({identity}))).toBe('identity must be 1 to 255 characters');
  });
});

describe('idempotencyKey', () => {
  it('is deterministic: the same change gives the same key', () => {
    const a = ok(input()).event.idempotency_key;
    const b = ok(input({now: new Date('2030-01-01T00:00:00Z')})).event.idempotency_key;
    expect(a).toBe(b);
    expect(idempotencyKey(RESOURCE, 'article-1', 'rev2', 'create')).toBe(a);
  });

  it('uses the published id', () => {
    expect(idempotencyKey(RESOURCE, 'drafts.article-1', 'r', 'update')).toBe(
      idempotencyKey(RESOURCE, 'article-1', 'r', 'update'),
    );
  });

  it('differs by project, dataset, id, revision and operation', () => {
    const base = idempotencyKey('p1.production', 'a', 'r1', 'create');
    const variants = [
      idempotencyKey('p2.production', 'a', 'r1', 'create'),
      idempotencyKey('p1.staging', 'a', 'r1', 'create'),
      idempotencyKey('p1.production', 'b', 'r1', 'create'),
      idempotencyKey('p1.production', 'a', 'r2', 'create'),
      idempotencyKey('p1.production', 'a', 'r1', 'update'),
      idempotencyKey('p1.production', 'a', 'r1', 'delete'),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });
});

describe('changedProperties', () => {
  it('lists the differing tracked keys, ignoring server-only ones', () => {
    expect(changedProperties({title: 'a', revision: 'r1', slug: 's'}, {title: 'b', revision: 'r2', slug: 's'})).toEqual(
      ['title'],
    );
    expect(changedProperties({title: 'a'}, {})).toEqual(['title']);
    expect(changedProperties({}, {author: 'x'})).toEqual(['author']);
    expect(changedProperties({title: 'a'}, {title: 'a'})).toEqual([]);
  });
});
