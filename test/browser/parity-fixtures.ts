/**
 * Edge-case documents for the browser/server parity test, on top of the repo's
 * fixtures/ and the example site's content: values the normaliser must cut,
 * join, drop or convert the same way on both sides.
 */
import type {Doc} from './parity-helpers.ts';

const base = {_rev: 'rev-edge-1', _createdAt: '2025-02-01T00:00:00Z', _updatedAt: '2025-02-02T00:00:00Z'};
const ref = (id: string, key: string) => ({_type: 'reference', _ref: id, _key: key});

/** Referenced documents (authors, topics): never subjects themselves. */
export const REFERENCED: readonly Doc[] = [
  {_id: 'edge-author-surrogate', _type: 'author', name: `Broken \uD800 surrogate and ${'long '.repeat(300)}`},
  {_id: 'edge-topic-pipes', _type: 'topic', title: 'a||b|||c'},
  {_id: 'edge-topic-pipe-ends', _type: 'topic', title: '|edge|'},
  {_id: 'edge-topic-empty', _type: 'topic', title: ''},
  {_id: 'edge-topic-emoji', _type: 'topic', title: '📈 growth'},
];

/** Documents whose server and browser properties are compared. */
export const SUBJECTS: readonly Doc[] = [
  {
    ...base,
    _id: 'edge-long-text',
    _type: 'article',
    // The cut lands inside an emoji (a surrogate pair): neither side may split it.
    title: `${'t'.repeat(999)}😀 and more`,
    slug: {_type: 'slug', current: 's'.repeat(1500)},
    author: ref('edge-author-surrogate', 'a'),
    topics: [
      ref('edge-topic-pipes', 't1'),
      ref('edge-topic-empty', 't2'),
      ref('edge-topic-missing', 't3'),
      ref('edge-topic-pipe-ends', 't4'),
      ref('edge-topic-emoji', 't5'),
    ],
    locale: 'x'.repeat(80),
    publishedAt: '2025-02-02T00:00:00Z',
  },
  {
    ...base,
    _id: 'edge-odd-values',
    _type: 'landingPage',
    title: 12345,
    slug: {_type: 'slug', current: 'odd'},
    campaign: {nested: 'object'},
    releaseId: '',
    experimentKey: ['not', 'a', 'string'],
    publishedAt: 'not a date',
    locale: null,
  },
  {...base, _id: 'edge-bare', _type: 'docsPage'},
  {
    ...base,
    _id: 'edge-unicode',
    _type: 'productPage',
    title: 'Grüße aus Köln — „Zitat“ 日本語のタイトル',
    slug: {_type: 'slug', current: 'gruesse'},
    campaign: 'ümlaut-campaign',
    releaseId: 'rÜber',
    experimentKey: 'exp\u0000null-char',
    publishedAt: '2025-12-31T23:59:59.999+01:00',
  },
];
