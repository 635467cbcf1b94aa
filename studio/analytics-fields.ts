/**
 * Sanity Studio schema for what the tracking plan reads: field definitions to
 * add to every tracked document type, and the `author` and `topic` documents
 * the plan dereferences (`author->name`, `topics[]->title`).
 *
 * Field names come from the plan's GROQ sources (shared/tracking-plan.ts), so
 * the Studio and the events cannot drift apart; length warnings use the plan's
 * limits, i.e. what Heap will actually keep. test/studio checks, with groq-js,
 * that the plan reads exactly these fields.
 *
 *   import {defineField, defineType} from 'sanity';
 *   import {analyticsFields, titleField} from '../studio/analytics-fields.ts';
 *   export const article = defineType({name: 'article', type: 'document', fields: [titleField, ...analyticsFields]});
 */
import {defineArrayMember, defineField, defineType} from '@sanity/types';
import {sourceFor} from '../shared/groq.ts';
import {PROPERTIES, type PropertySpec} from '../shared/tracking-plan.ts';

/** The plan property with this Heap name; throws if the plan no longer has it. */
function planProperty(name: string): PropertySpec {
  const spec = PROPERTIES.find((p) => p.name === name);
  if (!spec) throw new Error(`the tracking plan has no property ${JSON.stringify(name)} (shared/tracking-plan.ts)`);
  return spec;
}

/**
 * The document field a plan property reads (on `type`, when given: its per-type
 * source), and the field it reads on the referenced document:
 * `author->name` → {field: 'author', dereferenced: 'name'}.
 */
export function planSource(name: string, type?: string): {field: string; dereferenced?: string; maxLength: number} {
  const spec = planProperty(name);
  const groq = type === undefined ? spec.groq : sourceFor(spec, type);
  const field = /^[A-Za-z_][A-Za-z0-9_]*/.exec(groq)?.[0];
  if (!field) throw new Error(`plan property ${name}: cannot read a field name from ${JSON.stringify(groq)}`);
  const dereferenced = /->\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(groq)?.[1];
  return {field, maxLength: spec.maxLength, ...(dereferenced ? {dereferenced} : {})};
}

const title = planSource('title');
const slug = planSource('slug');
const publishedAt = planSource('published_at');
const author = planSource('author');
const topics = planSource('topics');
const locale = planSource('locale');
const campaign = planSource('campaign');
const releaseId = planSource('release_id');
const experimentKey = planSource('experiment_key');
const experimentVariant = planSource('experiment_variant');

/** Document type names the plan's references point to. */
export const AUTHOR_TYPE = 'author';
export const TOPIC_TYPE = 'topic';

const keeps = (n: number): string => `Heap receives the first ${n} characters.`;

/** BCP 47 language tag, e.g. `en`, `en-GB`, `pt-BR`, `zh-Hant-TW`. */
const LOCALE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

export const titleField = defineField({
  name: title.field,
  title: 'Title',
  type: 'string',
  description: `Reported to Heap as "title". ${keeps(title.maxLength)}`,
  validation: (rule) => rule.max(title.maxLength).warning(keeps(title.maxLength)),
});

export const slugField = defineField({
  name: slug.field,
  title: 'Slug',
  type: 'slug',
  description: 'The URL path segment; reported to Heap as "slug", the key that joins content events to page views.',
  options: {source: title.field, maxLength: 96},
  validation: (rule) => rule.required().warning('Without a slug, Heap cannot join this content to its page views.'),
});

export const publishedAtField = defineField({
  name: publishedAt.field,
  title: 'Published at',
  type: 'datetime',
  description: 'When the content was first published; reported to Heap as "published_at".',
  initialValue: () => new Date().toISOString(),
});

export const authorField = defineField({
  name: author.field,
  title: 'Author',
  type: 'reference',
  to: [{type: AUTHOR_TYPE}],
  description: `Reported to Heap as "author" (the author's ${author.dereferenced ?? 'name'}).`,
});

export const topicsField = defineField({
  name: topics.field,
  title: 'Topics',
  type: 'array',
  of: [defineArrayMember({type: 'reference', to: [{type: TOPIC_TYPE}]})],
  description: `Reported to Heap as "topics": the topics' ${topics.dereferenced ?? 'title'}s joined with "||". ${keeps(topics.maxLength)}`,
  validation: (rule) => rule.unique(),
});

export const localeField = defineField({
  name: locale.field,
  title: 'Locale',
  type: 'string',
  description: 'Language tag of this content, e.g. en, en-GB, pt-BR; reported to Heap as "locale".',
  validation: (rule) => [
    rule.max(locale.maxLength).warning(keeps(locale.maxLength)),
    rule.regex(LOCALE_TAG, {name: 'language tag'}).warning('Use a language tag such as en, en-GB or pt-BR.'),
  ],
});

export const campaignField = defineField({
  name: campaign.field,
  title: 'Campaign',
  type: 'string',
  description: `Marketing campaign this content belongs to, e.g. spring-launch; reported to Heap as "campaign". Keep the spelling identical across documents: Heap groups by the exact string.`,
  validation: (rule) => rule.max(campaign.maxLength).warning(keeps(campaign.maxLength)),
});

export const releaseIdField = defineField({
  name: releaseId.field,
  title: 'Release',
  type: 'string',
  description: `Identifier of the launch or release this content shipped with; reported to Heap as "release_id".`,
  validation: (rule) => rule.max(releaseId.maxLength).warning(keeps(releaseId.maxLength)),
});

export const experimentKeyField = defineField({
  name: experimentKey.field,
  title: 'Experiment key',
  type: 'string',
  description: `Key of the A/B experiment this variant belongs to; reported to Heap as "experiment_key".`,
  validation: (rule) => rule.max(experimentKey.maxLength).warning(keeps(experimentKey.maxLength)),
});

export const experimentVariantField = defineField({
  name: experimentVariant.field,
  title: 'Experiment variant',
  type: 'string',
  description: `Name of the variant this content is in that experiment, e.g. control or b; reported to Heap as "experiment_variant".`,
  validation: (rule) => rule.max(experimentVariant.maxLength).warning(keeps(experimentVariant.maxLength)),
});

/** Each editor-owned field, by the plan property it feeds. */
const FIELDS_BY_PROPERTY = [
  ['slug', slugField],
  ['published_at', publishedAtField],
  ['author', authorField],
  ['topics', topicsField],
  ['locale', localeField],
  ['campaign', campaignField],
  ['release_id', releaseIdField],
  ['experiment_key', experimentKeyField],
  ['experiment_variant', experimentVariantField],
] as const;

/**
 * The editor-owned analytics fields, to spread into each tracked document type.
 * The plan also reads `title`: add {@link titleField} if the type has no title yet.
 */
export const analyticsFields = FIELDS_BY_PROPERTY.map(([, field]) => field);

/**
 * The analytics fields a tracked type still needs: all of them except where the
 * plan reads that type's own field instead (a per-type source, e.g. `locale` is
 * `language` on `article`: the article keeps its `language` and gets no `locale`)
 * or reads nothing (`null`).
 */
export function analyticsFieldsFor(
  type: string,
  properties: readonly PropertySpec[] = PROPERTIES,
): typeof analyticsFields {
  return FIELDS_BY_PROPERTY.filter(([name]) => {
    const spec = properties.find((p) => p.name === name);
    if (!spec) return false;
    return spec.groq !== 'null' && sourceFor(spec, type) === spec.groq;
  }).map(([, field]) => field);
}

/** Every document field the tracking plan reads: the title plus the analytics fields. */
export const trackedDocumentFields = [titleField, ...analyticsFields];

/** The author a document references; the plan reports its name. */
export const authorType = defineType({
  name: AUTHOR_TYPE,
  title: 'Author',
  type: 'document',
  fields: [
    defineField({
      name: author.dereferenced ?? 'name',
      title: 'Name',
      type: 'string',
      validation: (rule) => rule.required().max(author.maxLength),
    }),
  ],
});

/** A topic a document references; the plan reports their titles. */
export const topicType = defineType({
  name: TOPIC_TYPE,
  title: 'Topic',
  type: 'document',
  fields: [
    defineField({
      name: topics.dereferenced ?? 'title',
      title: 'Title',
      type: 'string',
      validation: (rule) => rule.required(),
    }),
  ],
});
