/**
 * A Studio schema built from studio/analytics-fields.ts the way the README shows:
 * one document type per tracked type, plus `author` and `topic`. `npm run
 * typecheck` compiles it against @sanity/types (the types the `sanity` package
 * re-exports); test/studio/analytics-fields.test.ts checks what it contains.
 */
import {defineField, defineType, type SchemaTypeDefinition} from '@sanity/types';
import {TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {analyticsFields, authorType, titleField, topicType} from '../../studio/analytics-fields.ts';

/** A typical existing document type, with the analytics fields added. */
export const article = defineType({
  name: 'article',
  title: 'Article',
  type: 'document',
  fields: [
    titleField,
    defineField({name: 'body', title: 'Body', type: 'array', of: [{type: 'block'}]}),
    ...analyticsFields,
  ],
});

/** The other tracked types, built the same way. */
const others = TRACKED_TYPES.filter((name) => name !== article.name).map((name) =>
  defineType({name, title: name, type: 'document', fields: [titleField, ...analyticsFields]}),
);

/** What a sanity.config.ts passes as `schema: {types: schemaTypes}`. */
export const schemaTypes: SchemaTypeDefinition[] = [article, ...others, authorType, topicType];
