/**
 * A corpus of malformed and hostile `event.data` values for the function's
 * handler: what a broken projection, a hand-written `functions test --data`,
 * an emulator payload or a hostile document could deliver. Each entry states
 * its defined outcome: `delivered` (possibly with a warning naming what was
 * dropped or cut) or `skipped` with a reason. Nothing may crash the handler,
 * and nothing Heap would reject may be sent.
 *
 * Values that JSON cannot carry (NaN, bigint, prototype tricks) are included
 * too: event.data is `unknown` to the handler, and tests and the emulator
 * construct it in code.
 */

export type Delivered = {
  outcome: 'delivered';
  /** What the log line's warnings must match (NO_WARNINGS: none at all). */
  warning: RegExp;
  event: 'Content Published' | 'Content Updated' | 'Content Deleted';
  /** Checks the stored event's properties and timestamp (throws on a mismatch). */
  check: (properties: Record<string, string | number>, timestamp: string | undefined) => void;
};
export type Skipped = {outcome: 'skipped'; reason: RegExp};
export type Expected = Delivered | Skipped;

/** The warnings of a log line with none, joined: the empty string. */
export const NO_WARNINGS = /^$/;

export interface CorpusEntry {
  name: string;
  /** event.data; a function builds it lazily (big or odd values). */
  data: (id: string) => unknown;
  expect: Expected;
}

const MB = 1024 * 1024;

/** A well-formed projected "create" of an article, as the blueprint's projection gives it. */
export function projected(
  id: string,
  over: Record<string, unknown> = {},
  omit: readonly string[] = [],
): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    operation: 'create',
    _id: id,
    _type: 'article',
    _rev: `rev-${id}`,
    _createdAt: '2025-01-01T09:00:00Z',
    _updatedAt: '2025-01-02T10:00:00Z',
    content_id: id,
    content_type: 'article',
    slug: `slug-${id}`,
    title: 'A title',
    author: 'Ada Lovelace',
    topics: ['Analytics', 'Content'],
    locale: 'en-GB',
    campaign: null,
    release_id: null,
    experiment_key: null,
    published_at: '2025-01-01T09:00:00Z',
    revision: `rev-${id}`,
    previous: null,
    ...over,
  };
  // The projection copies the system fields into the plan's properties: keep them in step.
  if (Object.hasOwn(over, '_id') && !Object.hasOwn(over, 'content_id')) doc.content_id = over._id;
  if (Object.hasOwn(over, '_type') && !Object.hasOwn(over, 'content_type')) doc.content_type = over._type;
  if (Object.hasOwn(over, '_rev') && !Object.hasOwn(over, 'revision')) doc.revision = over._rev;
  for (const key of omit) delete doc[key];
  return doc;
}

/** JSON text → value, so `__proto__` arrives as an own key, as from a real payload. */
function fromJson(id: string, extra: string): Record<string, unknown> {
  const base = JSON.stringify(projected(id));
  return JSON.parse(`${base.slice(0, -1)},${extra}}`) as Record<string, unknown>;
}

function deep(levels: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = {v};
  return v;
}

function equal(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected)
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)?.slice(0, 200)}`);
}

/** The projected document's `_updatedAt`, as it must be sent: canonical. */
const UPDATED_AT = '2025-01-02T10:00:00.000Z';
/** The default check: the event is timed at the document's `_updatedAt`, sent canonical. */
const atUpdatedAt: Delivered['check'] = (_p, ts) => equal(ts, UPDATED_AT, 'timestamp');
/** A malformed `_updatedAt` is replaced by the time of handling (not the document's value). */
const notAtUpdatedAt: Delivered['check'] = (_p, ts) => equal(ts === UPDATED_AT, false, 'timestamp kept');

const delivered = (
  warning: RegExp = NO_WARNINGS,
  check: Delivered['check'] = atUpdatedAt,
  event: Delivered['event'] = 'Content Published',
): Delivered => ({outcome: 'delivered', warning, check, event});
const skipped = (reason: RegExp): Skipped => ({outcome: 'skipped', reason});
/** The warning a malformed `_updatedAt` must leave. */
const REPLACED_UPDATED_AT =
  /timestamp: _updatedAt is not an ISO 8601 date-time with a zone .*; used the time of handling/;

export const CORPUS: readonly CorpusEntry[] = [
  // event.data itself
  {name: 'event.data is null', data: () => null, expect: skipped(/event\.data is null/)},
  {name: 'event.data is undefined', data: () => undefined, expect: skipped(/event\.data is .*undefined/)},
  {name: 'event.data is an array', data: (id) => [projected(id)], expect: skipped(/event\.data is an array/)},
  {name: 'event.data is a string', data: () => '{"_id":"x"}', expect: skipped(/event\.data is a string/)},
  {name: 'event.data is a number', data: () => 42, expect: skipped(/event\.data is a number/)},
  {name: 'event.data is a boolean', data: () => true, expect: skipped(/event\.data is a boolean/)},

  // operation
  {
    name: 'operation is an unknown word',
    data: (id) => projected(id, {operation: 'publish'}),
    expect: skipped(/operation is a string \("publish"\)/),
  },
  {
    name: 'operation is a number',
    data: (id) => projected(id, {operation: 7}),
    expect: skipped(/operation is a number/),
  },
  {
    name: 'operation is an array',
    data: (id) => projected(id, {operation: ['create']}),
    expect: skipped(/operation is an array/),
  },
  {
    name: 'operation is 1 MB of text',
    data: (id) => projected(id, {operation: 'c'.repeat(MB)}),
    expect: skipped(/operation is a string/),
  },
  {
    name: 'operation is null (plain --data)',
    data: (id) => projected(id, {operation: null}),
    expect: delivered(/treated as a publish/),
  },
  {
    name: 'no operation key: a raw, unprojected document',
    data: (id) => ({_id: id, _type: 'article', _rev: 'r1', title: 'Raw', slug: {current: 'raw'}}),
    expect: delivered(
      /not projected[\s\S]*\n.*_updatedAt is not an ISO 8601 date-time with a zone \(missing\)/,
      notAtUpdatedAt,
    ),
  },

  // _id
  {name: '_id missing', data: (id) => projected(id, {}, ['_id', 'content_id']), expect: skipped(/_id missing/)},
  {name: '_id is a number', data: (id) => projected(id, {_id: 42}), expect: skipped(/_id missing or not a string/)},
  {name: '_id is empty', data: (id) => projected(id, {_id: ''}), expect: skipped(/_id missing/)},
  {name: '_id is whitespace', data: (id) => projected(id, {_id: '   '}), expect: skipped(/_id missing/)},
  {name: '_id is an array', data: (id) => projected(id, {_id: [id]}), expect: skipped(/_id missing or not a string/)},
  {
    name: '_id is a reference object',
    data: (id) => projected(id, {_id: {_ref: id}}),
    expect: skipped(/_id missing or not a string/),
  },
  {
    name: '_id is a draft',
    data: (id) => projected(id, {_id: `drafts.${id}`}),
    expect: skipped(/draft or release version/),
  },
  {
    name: '_id is a release version',
    data: (id) => projected(id, {_id: `versions.rSummer.${id}`}),
    expect: skipped(/draft or release version/),
  },
  {
    name: '_id is a draft of 1 MB',
    data: () => projected('x', {_id: `drafts.${'d'.repeat(MB)}`}),
    expect: skipped(/draft or release version/),
  },
  {
    name: '_id of 1 MB',
    data: (id) => projected(id, {_id: `${id}-${'i'.repeat(MB)}`}),
    expect: skipped(/_id is not a Sanity document id/),
  },
  {
    name: '_id with a lone surrogate',
    data: (id) => projected(id, {_id: `${id}-\uD800`}),
    expect: skipped(/_id is not a Sanity document id/),
  },

  // _type
  {name: '_type missing', data: (id) => projected(id, {}, ['_type', 'content_type']), expect: skipped(/_type missing/)},
  {
    name: '_type is not tracked',
    data: (id) => projected(id, {_type: 'author'}),
    expect: skipped(/type "author" is not tracked/),
  },
  {
    name: '_type is a number',
    data: (id) => projected(id, {_type: 3}),
    expect: skipped(/_type missing or not a string/),
  },
  {name: '_type is empty', data: (id) => projected(id, {_type: ''}), expect: skipped(/not tracked|_type missing/)},
  {name: '_type of 1 MB', data: (id) => projected(id, {_type: 't'.repeat(MB)}), expect: skipped(/is not tracked/)},
  {name: '_type is "__proto__"', data: (id) => projected(id, {_type: '__proto__'}), expect: skipped(/not tracked/)},

  // _rev
  {name: '_rev missing', data: (id) => projected(id, {}, ['_rev', 'revision']), expect: skipped(/_rev missing/)},
  {name: '_rev is a number', data: (id) => projected(id, {_rev: 12}), expect: skipped(/_rev missing or malformed/)},

  // string properties
  {
    name: 'title of 1 MB',
    data: (id) => projected(id, {title: 'T'.repeat(MB)}),
    expect: delivered(/title: cut from 1048576 to 1000 characters/, (p) =>
      equal(String(p.title).length, 1000, 'title length'),
    ),
  },
  {
    name: 'title is NaN',
    data: (id) => projected(id, {title: Number.NaN}),
    expect: delivered(/title: expected a string, got NaN; dropped/, (p) => equal(p.title, undefined, 'title')),
  },
  {
    name: 'title is 1e400 (Infinity after JSON.parse)',
    data: (id) => ({...projected(id), ...(JSON.parse('{"title": 1e400}') as object)}),
    expect: delivered(/title: expected a string, got Infinity; dropped/),
  },
  {
    name: 'title is -Infinity',
    data: (id) => projected(id, {title: Number.NEGATIVE_INFINITY}),
    expect: delivered(/title: expected a string, got -Infinity/),
  },
  {
    name: 'title is a number',
    data: (id) => projected(id, {title: 1234.5}),
    expect: delivered(undefined, (p) => equal(p.title, 1234.5, 'title')),
  },
  {
    name: 'title is a boolean',
    data: (id) => projected(id, {title: true}),
    expect: delivered(/title: expected a string, got boolean; dropped/),
  },
  {
    name: 'title is a bigint',
    data: (id) => projected(id, {title: 10n ** 30n}),
    expect: delivered(/title: expected a string, got bigint; dropped/),
  },
  {
    name: 'title is an array of strings',
    data: (id) => projected(id, {title: ['a', 'b']}),
    expect: delivered(/title: expected a string, got array; dropped/),
  },
  {
    name: 'title is an object',
    data: (id) => projected(id, {title: {en: 'Hello', de: 'Hallo'}}),
    expect: delivered(/title: expected a string, got object; dropped/),
  },
  {
    name: 'title nested 10,000 levels deep',
    data: (id) => projected(id, {title: deep(10_000)}),
    expect: delivered(/title: expected a string, got object/),
  },
  {
    name: 'title is a lone high surrogate',
    data: (id) => projected(id, {title: '\uD83D'}),
    expect: delivered(undefined, (p) => equal(p.title, '\uFFFD', 'title')),
  },
  {
    name: 'title has reversed surrogates',
    data: (id) => projected(id, {title: 'a\uDE00\uD83Db'}),
    expect: delivered(undefined, (p) => equal(p.title, 'a\uFFFD\uFFFDb', 'title')),
  },
  {
    name: 'title of emoji cut at the limit',
    data: (id) => projected(id, {title: `a${'😀'.repeat(600)}`}),
    expect: delivered(/title: cut from 1201 to 999 characters/, (p) =>
      equal(/[\uD800-\uDBFF]$/.test(String(p.title)), false, 'title ends inside a surrogate pair'),
    ),
  },
  {
    name: 'title with NUL and control characters',
    data: (id) => projected(id, {title: 'a\u0000b\u0007c\u001b[31m'}),
    expect: delivered(undefined, (p) => equal(p.title, 'a\u0000b\u0007c\u001b[31m', 'title')),
  },
  {
    name: 'title is empty',
    data: (id) => projected(id, {title: ''}),
    expect: delivered(undefined, (p) => equal(Object.hasOwn(p, 'title'), false, 'title present')),
  },
  {
    name: 'slug is the unprojected slug object',
    data: (id) => projected(id, {slug: {_type: 'slug', current: 'x'}}),
    expect: delivered(/slug: expected a string, got object; dropped/),
  },
  {
    name: 'locale over its 35-character limit',
    data: (id) => projected(id, {locale: 'x'.repeat(100)}),
    expect: delivered(/locale: cut from 100 to 35 characters/),
  },
  {
    name: 'author is null (dangling reference)',
    data: (id) => projected(id, {author: null}),
    expect: delivered(undefined, (p) => equal(Object.hasOwn(p, 'author'), false, 'author present')),
  },

  // list properties
  {
    name: 'topics: 100,000 items',
    data: (id) => projected(id, {topics: Array.from({length: 100_000}, (_, i) => `topic ${i}`)}),
    expect: delivered(/topics: kept \d+ of 100000 items/),
  },
  {
    name: 'topics: mixed junk items',
    data: (id) => projected(id, {topics: [null, 1, {x: 1}, 'a', true, ['nested']]}),
    expect: delivered(/topics: non-text list items dropped/, (p) => equal(p.topics, '1||a', 'topics')),
  },
  {
    name: 'topics: a string where a list is expected',
    data: (id) => projected(id, {topics: 'solo'}),
    expect: delivered(undefined, (p) => equal(p.topics, 'solo', 'topics')),
  },
  {
    name: 'topics: items containing the separator',
    data: (id) => projected(id, {topics: ['a||b', '|c|', '||']}),
    expect: delivered(undefined, (p) => equal(p.topics, 'a|b||c', 'topics')),
  },
  {
    name: 'topics: only NaN and Infinity',
    data: (id) => projected(id, {topics: [Number.NaN, Number.POSITIVE_INFINITY]}),
    expect: delivered(/topics: non-text list items dropped/, (p) =>
      equal(Object.hasOwn(p, 'topics'), false, 'topics present'),
    ),
  },
  {
    name: 'topics: one item of 5,000 characters',
    data: (id) => projected(id, {topics: ['y'.repeat(5000)]}),
    expect: delivered(/topics: first item cut to 1000 characters/),
  },
  {
    name: 'topics: an object where a list is expected',
    data: (id) => projected(id, {topics: {0: 'a', length: 1}}),
    expect: delivered(/topics: non-text list items dropped/),
  },

  // dates and timestamps: one strict parser, sent canonical
  {
    name: 'published_at is not a date',
    data: (id) => projected(id, {published_at: 'not a date'}),
    expect: delivered(/published_at: expected a datetime, got string; dropped/, (p) =>
      equal(Object.hasOwn(p, 'published_at'), false, 'published_at present'),
    ),
  },
  {
    name: 'published_at is "1" (Date.parse reads a year)',
    data: (id) => projected(id, {published_at: '1'}),
    expect: delivered(/published_at: expected a datetime, got string; dropped/, (p) =>
      equal(Object.hasOwn(p, 'published_at'), false, 'published_at "1" sent'),
    ),
  },
  {
    name: 'published_at in RFC 1123 form',
    data: (id) => projected(id, {published_at: 'Tue, 01 Jan 2019 00:00:00 GMT'}),
    expect: delivered(/published_at: expected a datetime, got string; dropped/, (p) =>
      equal(Object.hasOwn(p, 'published_at'), false, 'RFC 1123 published_at sent'),
    ),
  },
  {
    name: 'published_at is February 31st',
    data: (id) => projected(id, {published_at: '2025-02-31'}),
    expect: delivered(/published_at: expected a datetime, got string; dropped/, (p) =>
      equal(Object.hasOwn(p, 'published_at'), false, 'impossible published_at sent'),
    ),
  },
  {
    name: 'published_at with whitespace and an offset: sent canonical',
    data: (id) => projected(id, {published_at: ' 2025-01-01T10:00:00+01:00\n'}),
    expect: delivered(NO_WARNINGS, (p) => equal(p.published_at, '2025-01-01T09:00:00.000Z', 'published_at')),
  },
  {
    name: 'published_at is a number',
    data: (id) => projected(id, {published_at: 1_700_000_000_000}),
    expect: delivered(/published_at: expected a datetime, got number; dropped/),
  },
  {
    name: '_updatedAt with surrounding whitespace: sent trimmed',
    data: (id) => projected(id, {_updatedAt: '  2025-01-02T10:00:00Z\t'}),
    expect: delivered(),
  },
  {
    name: '_updatedAt with an offset: sent in UTC',
    data: (id) => projected(id, {_updatedAt: '2025-01-02T11:00:00+01:00'}),
    expect: delivered(),
  },
  {
    name: '_updatedAt is not a date',
    data: (id) => projected(id, {_updatedAt: 'yesterday'}),
    expect: delivered(REPLACED_UPDATED_AT, notAtUpdatedAt),
  },
  {
    name: '_updatedAt is "1" (Date.parse reads a year)',
    data: (id) => projected(id, {_updatedAt: '1'}),
    expect: delivered(REPLACED_UPDATED_AT, (_p, ts) => equal(ts === '1', false, 'timestamp "1" sent')),
  },
  {
    name: '_updatedAt in RFC 1123 form',
    data: (id) => projected(id, {_updatedAt: 'Tue, 01 Jan 2019 00:00:00 GMT'}),
    expect: delivered(REPLACED_UPDATED_AT, (_p, ts) => equal(ts?.startsWith('Tue'), false, 'RFC 1123 timestamp sent')),
  },
  {
    name: '_updatedAt beyond year 9999',
    data: (id) => projected(id, {_updatedAt: '+275760-09-13T00:00:00.000Z'}),
    expect: delivered(REPLACED_UPDATED_AT, (_p, ts) =>
      equal(ts?.startsWith('+'), false, 'expanded-year timestamp sent'),
    ),
  },
  {
    name: '_updatedAt is February 31st',
    data: (id) => projected(id, {_updatedAt: '2025-02-31T00:00:00Z'}),
    expect: delivered(REPLACED_UPDATED_AT, (_p, ts) =>
      equal(ts === '2025-02-31T00:00:00Z', false, 'impossible date sent'),
    ),
  },
  {
    name: '_updatedAt is a number',
    data: (id) => projected(id, {_updatedAt: 1_700_000_000_000}),
    expect: delivered(REPLACED_UPDATED_AT, notAtUpdatedAt),
  },

  // prototype pollution and odd keys
  {
    name: '__proto__ key from JSON.parse',
    data: (id) => fromJson(id, '"__proto__": {"polluted": "yes", "title": "from proto"}'),
    expect: delivered(undefined, (p) => equal(p.title, 'A title', 'title')),
  },
  {
    name: 'constructor.prototype key from JSON.parse',
    data: (id) => fromJson(id, '"constructor": {"prototype": {"polluted": "yes"}}'),
    expect: delivered(),
  },
  {
    name: '__proto__ as the title value',
    data: (id) => ({...projected(id), title: JSON.parse('{"__proto__": {"polluted": "yes"}}') as unknown}),
    expect: delivered(/title: expected a string, got object/),
  },
  {
    name: 'title only on the prototype',
    data: (id) => Object.assign(Object.create({title: 'inherited'}) as object, projected(id, {}, ['title'])),
    expect: delivered(undefined, (p) => equal(Object.hasOwn(p, 'title'), false, 'inherited title sent')),
  },
  {
    name: 'hasOwnProperty overridden by a field',
    data: (id) => projected(id, {hasOwnProperty: 'gotcha', toString: 'x', valueOf: 1}),
    expect: delivered(),
  },
  {
    name: '5,000 unknown fields',
    data: (id) =>
      projected(id, Object.fromEntries(Array.from({length: 5000}, (_, i) => [`extra_${i}`, 'x'.repeat(100)]))),
    expect: delivered(undefined, (p) =>
      equal(
        Object.keys(p).some((k) => k.startsWith('extra_')),
        false,
        'unknown field sent',
      ),
    ),
  },

  // operations and previous
  {
    name: 'update with previous as a string',
    data: (id) => projected(id, {operation: 'update', previous: 'garbage'}),
    expect: delivered(/changed_properties: no previous version/, atUpdatedAt, 'Content Updated'),
  },
  {
    name: 'update with previous as an array',
    data: (id) => projected(id, {operation: 'update', previous: [1, 2]}),
    expect: delivered(/no previous version/, atUpdatedAt, 'Content Updated'),
  },
  {
    name: 'update with a hostile previous',
    data: (id) => projected(id, {operation: 'update', previous: projected(id, {title: {deep: deep(100)}, topics: 42})}),
    expect: delivered(
      NO_WARNINGS,
      (p) => equal(String(p.changed_properties).split('||').includes('title'), true, 'title among changed_properties'),
      'Content Updated',
    ),
  },
  {
    name: 'delete with a junk _updatedAt',
    data: (id) => projected(id, {operation: 'delete', _updatedAt: {}}),
    expect: delivered(NO_WARNINGS, notAtUpdatedAt, 'Content Deleted'),
  },
];
