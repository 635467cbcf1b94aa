import {describe, expect, it} from 'vitest';
import {LIST_SEPARATOR, MAX_PROPERTY_LENGTH} from '../../shared/heap-rules.ts';
import {
  cut,
  isUnpublishedId,
  normaliseProperties,
  normaliseValue,
  PROPERTY_KEY,
  publishedId,
} from '../../shared/normalize.ts';
import {PROPERTIES, type PropertySpec} from '../../shared/tracking-plan.ts';

const spec = (name: string): PropertySpec => {
  const s = PROPERTIES.find((p) => p.name === name);
  if (!s) throw new Error(`no property ${name} in the plan`);
  return s;
};
const norm = (name: string, value: unknown): {value: unknown; warnings: string[]} => {
  const warnings: string[] = [];
  return {value: normaliseValue(spec(name), value, warnings), warnings};
};
const NUMBER: PropertySpec = {name: 'word_count', groq: 'wordCount', kind: 'number', maxLength: 40};
const HAS_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('ids', () => {
  it.each([
    ['abc', false, 'abc'],
    ['drafts.abc', true, 'abc'],
    ['versions.rSummer.abc', true, 'abc'],
    ['versions.rSummer.drafts-like.id', true, 'drafts-like.id'],
    ['image-abc.def', false, 'image-abc.def'],
    ['draftsabc', false, 'draftsabc'],
  ])('%s: unpublished %s, published id %s', (id, unpublished, published) => {
    expect(isUnpublishedId(id)).toBe(unpublished);
    expect(publishedId(id)).toBe(published);
  });

  it('content_id is always the published id', () => {
    expect(norm('content_id', 'drafts.abc').value).toBe('abc');
    expect(norm('content_id', 'versions.r1.abc').value).toBe('abc');
  });
});

describe('normaliseProperties', () => {
  it('keeps only the plan’s snake_case keys, with string or number values', () => {
    const {properties, warnings} = normaliseProperties({
      content_id: 'a1',
      content_type: 'article',
      title: 'Hello',
      locale: 'en-GB',
      unknownField: 'ignored',
      _id: 'a1',
      nested: {a: 1},
    });
    expect(properties).toEqual({content_id: 'a1', content_type: 'article', title: 'Hello', locale: 'en-GB'});
    expect(warnings).toEqual([]);
    for (const [k, v] of Object.entries(properties)) {
      expect(k).toMatch(PROPERTY_KEY);
      expect(['string', 'number']).toContain(typeof v);
    }
  });

  it('drops nulls and absent values silently', () => {
    const {properties, warnings} = normaliseProperties({
      content_id: 'a1',
      title: null,
      author: null,
      topics: null,
      slug: undefined,
    });
    expect(properties).toEqual({content_id: 'a1'});
    expect(warnings).toEqual([]);
  });

  it('drops empty strings', () => {
    expect(normaliseProperties({content_id: 'a1', title: ''}).properties).toEqual({content_id: 'a1'});
  });

  it('ignores inherited keys', () => {
    const doc = Object.create({title: 'from the prototype'}) as Record<string, unknown>;
    doc.content_id = 'a1';
    expect(normaliseProperties(doc).properties).toEqual({content_id: 'a1'});
  });
});

describe('lists', () => {
  it('are joined with ||', () => {
    expect(norm('topics', ['GROQ', 'Heap', 'Sanity'])).toEqual({
      value: `GROQ${LIST_SEPARATOR}Heap${LIST_SEPARATOR}Sanity`,
      warnings: [],
    });
  });

  it('accept a single value and numbers', () => {
    expect(norm('topics', 'GROQ').value).toBe('GROQ');
    expect(norm('topics', ['a', 2]).value).toBe('a||2');
  });

  it('drop null items silently (broken references) and other items with a warning', () => {
    expect(norm('topics', ['a', null, 'b'])).toEqual({value: 'a||b', warnings: []});
    const {value, warnings} = norm('topics', ['a', {title: 'x'}, true, Number.NaN, 'b']);
    expect(value).toBe('a||b');
    expect(warnings).toEqual(['topics: non-text list items dropped']);
  });

  it('are dropped when nothing is left', () => {
    expect(norm('topics', []).value).toBeUndefined();
    expect(norm('topics', [null, null]).value).toBeUndefined();
  });

  it.each([
    [
      ['a||b', 'c'],
      ['a|b', 'c'],
    ],
    [
      ['a|||b', 'c'],
      ['a|b', 'c'],
    ],
    [
      ['x', 'a||||b'],
      ['x', 'a|b'],
    ],
    [
      ['a|', 'b'],
      ['a', 'b'],
    ],
    [
      ['a', '|b'],
      ['a', 'b'],
    ],
    [['|', 'b'], ['b']],
  ])('never let an item %j break the separator: splits back into %j', (items, expected) => {
    const value = norm('topics', items).value as string;
    expect(value.split(LIST_SEPARATOR)).toEqual(expected);
  });

  it('are cut below the limit at an item boundary, keeping whole items, with a warning', () => {
    const items = Array.from({length: 500}, (_, i) => `topic ${i}`);
    const {value, warnings} = norm('topics', items);
    const text = value as string;
    expect(text.length).toBeLessThanOrEqual(spec('topics').maxLength);
    expect(text.length).toBeLessThan(MAX_PROPERTY_LENGTH);
    expect(text.length).toBeGreaterThan(spec('topics').maxLength - 'topic 499||'.length);
    const kept = text.split(LIST_SEPARATOR);
    expect(kept).toEqual(items.slice(0, kept.length));
    expect(warnings).toEqual([
      `topics: kept ${kept.length} of 500 items (limit ${spec('topics').maxLength} characters)`,
    ]);
  });

  it('cut the first item itself when it alone is over the limit', () => {
    const {value, warnings} = norm('topics', ['y'.repeat(3000), 'short']);
    expect(value).toBe('y'.repeat(spec('topics').maxLength));
    expect(warnings).toContain(`topics: first item cut to ${spec('topics').maxLength} characters`);
  });
});

describe('strings', () => {
  it('are cut below 1024 characters, with a warning', () => {
    const {value, warnings} = norm('title', 'x'.repeat(5000));
    expect((value as string).length).toBe(1000);
    expect(warnings).toEqual(['title: cut from 5000 to 1000 characters']);
  });

  it('are cut to the property’s own limit', () => {
    expect((norm('locale', 'l'.repeat(100)).value as string).length).toBe(35);
  });

  it('are never cut inside a surrogate pair', () => {
    const emoji = '😀'; // two UTF-16 units
    const s = `a${emoji.repeat(600)}`; // emoji pairs start at odd offsets: 999 is a high surrogate
    const value = norm('title', s).value as string;
    expect(value.length).toBe(999);
    expect(value).not.toMatch(HAS_LONE_SURROGATE);
    expect(value.endsWith(emoji)).toBe(true);
    expect(Buffer.from(value, 'utf8').toString('utf8')).toBe(value);
  });

  it('have lone surrogates replaced with U+FFFD', () => {
    expect(norm('title', 'a\uD800b\uDC00c').value).toBe('a\uFFFDb\uFFFDc');
    expect(norm('topics', ['x\uD83D', 'y']).value).toBe('x\uFFFD||y');
    expect(norm('title', 'ok 😀').value).toBe('ok 😀');
  });

  it('accept finite numbers as they are', () => {
    expect(norm('title', 42)).toEqual({value: 42, warnings: []});
  });

  it.each([
    [true, 'boolean'],
    [{a: 1}, 'object'],
    [['a'], 'array'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
  ])('drop %o with a warning', (value, described) => {
    expect(norm('title', value)).toEqual({
      value: undefined,
      warnings: [`title: expected a string, got ${described}; dropped`],
    });
  });
});

describe('cut', () => {
  it('leaves short strings whole and cuts long ones at max', () => {
    expect(cut('abc', 5)).toBe('abc');
    expect(cut('abcdef', 4)).toBe('abcd');
  });
  it('steps back rather than split a pair', () => {
    expect(cut('ab😀', 3)).toBe('ab');
    expect(cut('ab😀', 4)).toBe('ab😀');
  });
});

describe('numbers', () => {
  it('keep finite numbers', () => {
    const warnings: string[] = [];
    expect(normaliseValue(NUMBER, 0, warnings)).toBe(0);
    expect(normaliseValue(NUMBER, -1.5, warnings)).toBe(-1.5);
    expect(warnings).toEqual([]);
  });
  it.each([
    [Number.NaN, 'NaN'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
    ['12', 'string'],
  ])('drop %o with a warning', (value, described) => {
    const warnings: string[] = [];
    expect(normaliseValue(NUMBER, value, warnings)).toBeUndefined();
    expect(warnings).toEqual([`word_count: expected a finite number, got ${described}; dropped`]);
  });
});

describe('datetimes', () => {
  it('keep ISO 8601 strings', () => {
    expect(norm('published_at', '2025-01-15T12:00:00Z')).toEqual({value: '2025-01-15T12:00:00.000Z', warnings: []});
  });
  it('are sent canonical: trimmed, in UTC, with milliseconds', () => {
    expect(norm('published_at', ' 2025-01-15T14:00:00+02:00\n').value).toBe('2025-01-15T12:00:00.000Z');
    expect(norm('published_at', '2025-01-15').value).toBe('2025-01-15T00:00:00.000Z');
  });
  it('turn a date alone (a Sanity `date` field) into that day at midnight UTC, without a warning', () => {
    expect(norm('published_at', '2025-03-01')).toEqual({value: '2025-03-01T00:00:00.000Z', warnings: []});
  });
  it('drop what is not a date, with a warning', () => {
    expect(norm('published_at', 'next tuesday')).toEqual({
      value: undefined,
      warnings: ['published_at: expected a datetime, got string; dropped'],
    });
    // The one strict parser: what Date.parse accepts but Heap does not is dropped too.
    for (const value of [
      '1',
      'Tue, 01 Jan 2019 00:00:00 GMT',
      '2025-02-31',
      '2025-02-31T00:00:00Z',
      '2025-01-15T12:00:00',
    ])
      expect(norm('published_at', value)).toEqual({
        value: undefined,
        warnings: ['published_at: expected a datetime, got string; dropped'],
      });
    expect(norm('published_at', 1736942400000).warnings).toEqual([
      'published_at: expected a datetime, got number; dropped',
    ]);
  });
});

describe('ids of the wrong type', () => {
  it('are dropped with a warning', () => {
    const {value, warnings} = norm('content_id', 42);
    expect(value).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^content_id: expected an? id, got number; dropped$/);
  });
});
