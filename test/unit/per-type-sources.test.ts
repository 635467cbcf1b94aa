/**
 * Per-type sources: a property whose GROQ differs by tracked type is still one
 * expression in the generated projections (`select(_type == "post" => language, locale)`),
 * evaluated here by groq-js in delta mode the way Sanity evaluates the
 * function's rule: on create and update from the document, on delete from
 * `before()` (after a delete the document itself is empty).
 */
import {evaluate, parse} from 'groq-js';
import {describe, expect, it} from 'vitest';
import {documentFields, functionFilter, functionProjection, propertyGroq, sourceFor} from '../../shared/groq.ts';
import {PROPERTIES, type PropertySpec} from '../../shared/tracking-plan.ts';

const locale: PropertySpec = {
  name: 'locale',
  groq: 'locale',
  byType: {post: 'language'},
  kind: 'string',
  maxLength: 35,
};
const campaign: PropertySpec = {
  name: 'campaign',
  groq: 'campaign',
  byType: {post: 'campaign.code', page: 'null'},
  kind: 'string',
  maxLength: 100,
};
const plan: PropertySpec[] = [PROPERTIES[0]!, PROPERTIES[1]!, locale, campaign];
const TYPES = ['post', 'page', 'article'];

const post = {_id: 'post-1', _type: 'post', _rev: 'r1', language: 'fr', locale: 'xx', campaign: {code: 'SPRING'}};
const page = {_id: 'page-1', _type: 'page', _rev: 'r1', locale: 'de', campaign: 'ignored-on-pages'};
const article = {_id: 'article-1', _type: 'article', _rev: 'r1', locale: 'en', campaign: 'plain'};

async function change(before: object | null, after: object | null): Promise<Record<string, unknown>> {
  const rule = parse(`*[${functionFilter(TYPES)}]${functionProjection(plan)}`, {mode: 'delta'});
  const result = (await (await evaluate(rule, {dataset: [after ?? {}], before, after})).get()) as unknown[];
  expect(result).toHaveLength(1);
  return result[0] as Record<string, unknown>;
}

describe('per-type sources', () => {
  it('pick the source for a type, else the default', () => {
    expect(sourceFor(locale, 'post')).toBe('language');
    expect(sourceFor(locale, 'article')).toBe('locale');
    expect(sourceFor(locale, 'constructor')).toBe('locale');
    expect(sourceFor(PROPERTIES[0]!, 'post')).toBe('_id');
  });

  it('generate one select() expression per property, the default last', () => {
    expect(propertyGroq(locale)).toBe('select(_type == "post" => language, locale)');
    expect(propertyGroq(campaign)).toBe('select(_type == "post" => campaign.code, _type == "page" => null, campaign)');
    expect(propertyGroq(PROPERTIES[0]!)).toBe('_id');
    expect(documentFields(plan)).toContain('"locale": select(_type == "post" => language, locale)');
  });

  it.each([
    ['post', post, {locale: 'fr', campaign: 'SPRING'}],
    ['page', page, {locale: 'de', campaign: null}],
    ['article', article, {locale: 'en', campaign: 'plain'}],
  ])('%s: create and update read the type’s own source', async (_type, doc, expected) => {
    expect(await change(null, doc)).toMatchObject({operation: 'create', content_id: doc._id, ...expected});
    const updated = await change(doc, {...doc, _rev: 'r2'});
    expect(updated).toMatchObject({operation: 'update', ...expected, previous: expected});
  });

  it.each([
    ['post', post, {locale: 'fr', campaign: 'SPRING'}],
    ['page', page, {locale: 'de', campaign: null}],
  ])('%s: a delete selects by before()._type and reads before()', async (_type, doc, expected) => {
    expect(await change(doc, null)).toMatchObject({
      operation: 'delete',
      content_id: doc._id,
      content_type: doc._type,
      previous: null,
      ...expected,
    });
  });
});
