/**
 * Which field of a document type fits a plan property, by name and kind: the
 * doctor's "closest field" and `plan:propose`'s choice. Names: the field the
 * plan reads today first, then the names teams commonly give the same thing
 * (`locale` is often `language`, `topics` are `tags` or `categories`). Kinds:
 * from groq-js's typeEvaluate over the extracted schema, so a candidate is
 * only proposed where its value becomes the property's kind without loss.
 */
import {sourceFor} from '../../shared/groq.ts';
import type {PropertySpec} from '../../shared/tracking-plan.ts';
import {candidatePaths, type ExtractedSchema, evaluateKinds, fits} from './extracted-schema.ts';

interface NameHints {
  /** The document field, best first. */
  readonly fields: readonly string[];
  /** On a referenced document or inside an object, best first. */
  readonly leaves?: readonly string[];
}

/** Common names for the standard properties (beyond the plan's own field). */
const HINTS: Readonly<Record<string, NameHints>> = {
  slug: {fields: ['slug'], leaves: ['current']},
  title: {fields: ['title', 'name', 'headline', 'heading']},
  author: {
    fields: ['author', 'authors', 'writer', 'writers', 'byline', 'createdBy'],
    leaves: ['name', 'fullName', 'displayName', 'title'],
  },
  topics: {
    fields: ['topics', 'tags', 'categories', 'category', 'keywords', 'subjects'],
    leaves: ['title', 'name', 'label', 'value'],
  },
  locale: {fields: ['locale', 'language', 'lang', 'languageCode']},
  campaign: {
    fields: ['campaign', 'utmCampaign', 'marketingCampaign'],
    leaves: ['code', 'key', 'slug', 'name', 'title'],
  },
  release_id: {fields: ['releaseId', 'release', 'launch'], leaves: ['id', 'key', 'code', 'name']},
  experiment_key: {fields: ['experimentKey', 'experiment', 'abTest'], leaves: ['key', 'id', 'name']},
  experiment_variant: {fields: ['experimentVariant', 'variant', 'abVariant'], leaves: ['name', 'key']},
  published_at: {
    fields: ['publishedAt', 'publishDate', 'publishedDate', 'publicationDate', 'datePublished', 'published', 'date'],
  },
};

const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/g;
const normal = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The root field and the last field a simple path reads: `authors[0]->fullName` → ['authors', 'fullName']. */
function ends(path: string): {root: string; leaf?: string} {
  const names = path.match(IDENTIFIER) ?? [];
  return names.length > 1 ? {root: names[0]!, leaf: names.at(-1)!} : {root: names[0] ?? ''};
}

/** The plan's own source on this type first, then the common names. */
function hintsFor(spec: PropertySpec, type: string): NameHints {
  const own = ends(sourceFor(spec, type));
  const common = HINTS[spec.name] ?? {fields: []};
  return {
    fields: [own.root, ...common.fields],
    leaves: [...(own.leaf ? [own.leaf] : []), ...(common.leaves ?? [])],
  };
}

const rank = (list: readonly string[], name: string): number => {
  const i = list.findIndex((n) => normal(n) === normal(name));
  return i === -1 ? Number.POSITIVE_INFINITY : i;
};

/**
 * The GROQ path on `type` that best fits `spec` by name and kind, or undefined
 * when no field of the right kind has a fitting name. System properties
 * (`_id`, `_type`, `_rev`) are never looked for.
 */
export function closestSource(schema: ExtractedSchema, type: string, spec: PropertySpec): string | undefined {
  if (spec.groq.startsWith('_')) return undefined;
  const hints = hintsFor(spec, type);
  const paths = candidatePaths(schema, type).filter((p) => rank(hints.fields, ends(p).root) < Number.POSITIVE_INFINITY);
  if (paths.length === 0) return undefined;
  const kinds = evaluateKinds(schema, type, Object.fromEntries(paths.map((p) => [p, p])));
  const scored = paths
    .filter((p) => kinds[p] && fits(kinds[p], spec.kind))
    .map((p) => {
      const {root, leaf} = ends(p);
      // A list property prefers a real list over a single value; a leaf outside the hints comes last.
      const kindPenalty = spec.kind === 'list' && kinds[p]?.kind !== 'list' ? 1 : 0;
      const leafRank = leaf === undefined ? 0 : Math.min(rank(hints.leaves ?? [], leaf), 99);
      return {p, score: [rank(hints.fields, root), kindPenalty, leafRank] as const};
    })
    .sort((a, b) => a.score[0] - b.score[0] || a.score[1] - b.score[1] || a.score[2] - b.score[2]);
  return scored[0]?.p;
}
