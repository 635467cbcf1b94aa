/**
 * The example site's content: a tiny Sanity dataset (two articles, their
 * authors and topics) in the shape the Content Lake stores it. The site queries
 * it with groq-js exactly as a real page queries Sanity, so the analytics fields
 * come from CONTENT_VIEW_PROJECTION, dereferences included.
 */
export interface ExampleDocument {
  _id: string;
  _type: string;
  [field: string]: unknown;
}

const ref = (id: string, key?: string) => ({_type: 'reference', _ref: id, ...(key ? {_key: key} : {})});
const block = (key: string, text: string) => ({
  _type: 'block',
  _key: key,
  style: 'normal',
  children: [{_type: 'span', _key: `${key}s`, text, marks: []}],
  markDefs: [],
});

export const EXAMPLE_DOCUMENTS: readonly ExampleDocument[] = [
  {_id: 'author-grace', _type: 'author', _rev: 'rev-grace-1', name: 'Grace Hopper'},
  {_id: 'author-katherine', _type: 'author', _rev: 'rev-katherine-1', name: 'Katherine Johnson'},
  {_id: 'topic-analytics', _type: 'topic', _rev: 'rev-topic-1', title: 'Analytics'},
  {_id: 'topic-content-ops', _type: 'topic', _rev: 'rev-topic-2', title: 'Content operations'},
  {_id: 'topic-frontend', _type: 'topic', _rev: 'rev-topic-3', title: 'Front end'},
  {
    _id: 'article-field-guide',
    _type: 'article',
    _rev: 'rev-field-guide-3',
    _createdAt: '2025-05-02T08:00:00Z',
    _updatedAt: '2025-05-06T10:15:00Z',
    title: 'A field guide to content analytics',
    slug: {_type: 'slug', current: 'field-guide'},
    author: ref('author-grace'),
    topics: [ref('topic-analytics', 't1'), ref('topic-content-ops', 't2')],
    locale: 'en-US',
    campaign: 'summer-series',
    experimentKey: 'headline-length',
    experimentVariant: 'short',
    publishedAt: '2025-05-06T10:00:00Z',
    body: [
      block('b1', 'Every page view and every click carries the article it happened on.'),
      block('b2', 'The same content_id joins them to the article’s publish history in Heap.'),
    ],
  },
  {
    _id: 'article-release-notes',
    _type: 'article',
    _rev: 'rev-release-notes-1',
    _createdAt: '2025-06-01T12:00:00Z',
    _updatedAt: '2025-06-01T12:30:00Z',
    title: 'Release notes, straight from the Content Lake',
    slug: {_type: 'slug', current: 'release-notes'},
    author: ref('author-katherine'),
    topics: [ref('topic-frontend', 't1')],
    locale: 'de-DE',
    releaseId: 'rJuneLaunch',
    publishedAt: '2025-06-01T12:30:00Z',
    body: [block('b1', 'A single-page app sets the content context on every route change.')],
  },
];
