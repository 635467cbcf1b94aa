/** The reader with the real @sanity/client against the Content Lake stand-in (groq-js over HTTP on loopback). */
import {createClient, type SanityClient} from '@sanity/client';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {countRemaining, type QueryClient, readByIds, readPublished} from '../../backfill/reader.ts';
import {backfillClient} from '../../backfill/sanity.ts';
import {
  type ContentLake,
  generateDataset,
  type LakeDocument,
  publishedIds,
  startContentLake,
} from '../../tools/content-lake.ts';

const TOKEN = 'skRdr7Qp2Lx9Vb4Nm';
let lake: ContentLake;
let documents: LakeDocument[];
let client: SanityClient;
let reader: QueryClient;

function clientFor(
  url: string,
  o: {token?: string; perspective?: 'raw' | 'published'; projectId?: string} = {},
): SanityClient {
  return createClient({
    projectId: o.projectId ?? 'abc123de',
    dataset: 'production',
    apiVersion: '2025-02-19',
    useCdn: false,
    apiHost: url,
    useProjectHostname: false,
    ...(o.perspective ? {perspective: o.perspective} : {}),
    ...(o.token ? {token: o.token} : {token: TOKEN}),
  });
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

beforeAll(async () => {
  documents = generateDataset(1200, {seed: 11});
  lake = await startContentLake({documents, projectId: 'abc123de', dataset: 'production', token: TOKEN});
  client = clientFor(lake.url, {perspective: 'raw'});
  // The backfill's own client: raw perspective, tagged queries, the custom host addressed directly.
  reader = backfillClient({projectId: 'abc123de', dataset: 'production', token: TOKEN, apiHost: lake.url});
});
afterAll(async () => {
  await lake?.close();
});

describe('generateDataset', () => {
  it('is deterministic and holds drafts, release versions and other types besides n published documents', () => {
    expect(generateDataset(50, {seed: 3})).toEqual(generateDataset(50, {seed: 3}));
    expect(generateDataset(50, {seed: 3})).not.toEqual(generateDataset(50, {seed: 4}));
    expect(publishedIds(documents)).toHaveLength(1200);
    expect(documents.filter((d) => d._id.startsWith('drafts.')).length).toBeGreaterThan(100);
    expect(documents.filter((d) => d._id.startsWith('versions.')).length).toBeGreaterThan(50);
    expect(new Set(documents.map((d) => d._type))).toEqual(
      new Set(['author', 'topic', 'siteSettings', 'article', 'landingPage', 'productPage', 'docsPage']),
    );
  });
});

describe('readPublished', () => {
  it('streams every published document of the types exactly once, in _id order, paging by cursor', async () => {
    const before = lake.queries().length;
    const docs = await collect(
      readPublished(reader, {types: ['article', 'landingPage', 'productPage', 'docsPage'], pageSize: 97}),
    );
    const ids = docs.map((d) => d._id);
    expect(ids).toEqual(publishedIds(documents).sort());
    expect(ids.some((id) => id.startsWith('drafts.') || id.startsWith('versions.'))).toBe(false);
    const pages = lake.queries().slice(before);
    expect(pages).toHaveLength(Math.ceil(1200 / 97));
    // Never an offset: every page starts at 0 after the previous page's last id.
    for (const [i, q] of pages.entries()) {
      expect(q.query).toContain('_id > $last');
      expect(q.query).toContain('[0...97]');
      expect(q.params.last).toBe(i === 0 ? '' : ids[i * 97 - 1]);
      expect(q.perspective).toBe('raw');
    }
  });

  it('projects with the tracking plan: references dereferenced, plan property names', async () => {
    let first: Record<string, unknown> | undefined;
    for await (const doc of readPublished(reader, {types: ['article'], pageSize: 5})) {
      first = doc;
      break;
    }
    const source = documents.find((d) => d._id === first!._id)!;
    expect(first).toMatchObject({
      _id: source._id,
      _type: 'article',
      _rev: source._rev,
      content_id: source._id,
      title: source.title,
      revision: source._rev,
    });
    if (source.author) {
      const author = documents.find((d) => d._id === (source.author as {_ref: string})._ref)!;
      expect(first!.author).toBe(author.name);
    }
    const withTopics = (await collect(readPublished(reader, {types: ['article'], after: first!._id as string}))).find(
      (d) => Array.isArray(d.topics) && d.topics.length > 0,
    );
    expect((withTopics!.topics as string[])[0]).toMatch(/^Topic \d+/);
  });

  it('continues after a cursor, filters by type and --since', async () => {
    const all = publishedIds(documents, ['docsPage']).sort();
    const after = all[99]!;
    const rest = await collect(readPublished(reader, {types: ['docsPage'], after}));
    expect(rest.map((d) => d._id)).toEqual(all.slice(100));
    expect(await countRemaining(reader, {types: ['docsPage']}, after)).toBe(all.length - 100);

    const since = '2022-01-01T00:00:00.000Z';
    const expected = documents
      .filter((d) => publishedIds(documents).includes(d._id))
      .filter((d) => Date.parse((d.publishedAt as string | undefined) ?? (d._createdAt as string)) >= Date.parse(since))
      .map((d) => d._id)
      .sort();
    const got = await collect(
      readPublished(reader, {types: ['article', 'landingPage', 'productPage', 'docsPage'], since}),
    );
    expect(got.map((d) => d._id)).toEqual(expected);
    expect(expected.length).toBeGreaterThan(100);
    expect(expected.length).toBeLessThan(1200);
  });

  it('readByIds returns the published documents among the ids, never drafts', async () => {
    const ids = publishedIds(documents).slice(0, 3);
    const draft = documents.find((d) => d._id.startsWith('drafts.'))!._id;
    const got = await collect(readByIds(reader, [...ids, draft, 'no-such-id']));
    expect(got.map((d) => d._id).sort()).toEqual([...ids].sort());
  });

  it('a server that does not order ids is caught instead of skipping documents', async () => {
    const bad: QueryClient = {fetch: async () => [{_id: 'b'}, {_id: 'a'}] as never};
    await expect(collect(readPublished(bad, {types: ['article']}))).rejects.toThrow(/not in ascending order/);
  });
});

describe('the Content Lake stand-in', () => {
  it('answers @sanity/client: published perspective by default, token and project checked, requests counted', async () => {
    const published = clientFor(lake.url);
    const drafts = await published.fetch<number>('count(*[_id in path("drafts.**")])');
    expect(drafts).toBe(0);
    expect(await client.fetch<number>('count(*[_id in path("drafts.**")])')).toBeGreaterThan(0);
    const n = lake.requests();
    await expect(clientFor(lake.url, {token: 'wrong-token'}).fetch('1')).rejects.toThrow(/unauthorized/);
    await expect(clientFor(lake.url, {projectId: 'other'}).fetch('1')).rejects.toThrow(/project not found/);
    await expect(client.fetch('*[')).rejects.toThrow();
    expect(lake.requests()).toBe(n + 3);
    // Long queries go by POST.
    const long = await client.fetch<number>(`count(*[_id in $ids])`, {
      ids: Array.from({length: 1500}, (_, i) => `missing-${i}`),
    });
    expect(long).toBe(0);
    expect(lake.queries().at(-1)!.method).toBe('POST');
  });

  it('adds latency per request', async () => {
    const slow = await startContentLake({documents: [], latencyMs: 150});
    try {
      const t = performance.now();
      await clientFor(slow.url).fetch('1');
      expect(performance.now() - t).toBeGreaterThanOrEqual(140);
    } finally {
      await slow.close();
    }
  });
});
