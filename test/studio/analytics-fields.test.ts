/**
 * The Studio fields and the tracking plan agree: the plan's GROQ sources
 * (parsed with groq-js) read exactly the fields studio/analytics-fields.ts
 * defines, with the right types, and the dereferenced fields exist on the
 * referenced document types. test/studio/schema.ts (type-checked by
 * `npm run typecheck`) is the schema a Studio would build from them.
 */
import {describe, expect, it} from 'vitest';
import {fieldPath} from '../../scripts/doctor/groq-ast.ts';
import {PROPERTIES, type PropertySpec, TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {
  AUTHOR_TYPE,
  analyticsFields,
  analyticsFieldsFor,
  authorType,
  planSource,
  TOPIC_TYPE,
  titleField,
  topicType,
  trackedDocumentFields,
} from '../../studio/analytics-fields.ts';
import {schemaTypes} from './schema.ts';

interface FieldDef {
  name: string;
  type: string;
  to?: {type: string}[];
  of?: {type: string; to?: {type: string}[]}[];
}
interface TypeDef {
  name: string;
  type: string;
  fields?: FieldDef[];
}

/** Document fields (not system `_` fields) the plan's GROQ reads, from groq-js's parse. */
function planDocumentFields(properties: readonly PropertySpec[]): string[] {
  const roots = properties.map((p) => fieldPath(p.groq)[0]!).filter((f) => !f.startsWith('_'));
  return [...new Set(roots)].sort();
}

/** What the schema is missing and what it has that the plan does not read. */
function compare(planFields: readonly string[], schemaFields: readonly string[]) {
  return {
    missing: planFields.filter((f) => !schemaFields.includes(f)),
    unread: schemaFields.filter((f) => !planFields.includes(f)),
  };
}

const fields = trackedDocumentFields as unknown as FieldDef[];
const byName = new Map(fields.map((f) => [f.name, f]));
const types = schemaTypes as unknown as TypeDef[];
const typeNamed = (name: string): TypeDef | undefined => types.find((t) => t.name === name);

describe('the tracking plan reads exactly the Studio fields', () => {
  it('parses every GROQ source into a field path', () => {
    expect(fieldPath('author->name')).toEqual(['author', '->', 'name']);
    expect(fieldPath('topics[]->title')).toEqual(['topics', '[]', '->', 'title']);
    expect(fieldPath('slug.current')).toEqual(['slug', 'current']);
    expect(() => fieldPath('count(*[_type == "x"])')).toThrow(/not a plain field read/);
    for (const p of PROPERTIES) expect(fieldPath(p.groq).length, p.name).toBeGreaterThan(0);
  });

  it('defines a field for every document field the plan reads, and no other', () => {
    const schema = fields.map((f) => f.name).sort();
    expect(compare(planDocumentFields(PROPERTIES), schema)).toEqual({missing: [], unread: []});
    expect(schema).toEqual(planDocumentFields(PROPERTIES));
    expect(new Set(schema).size).toBe(schema.length);
  });

  it('tells a plan change apart: a new source field is reported missing, a dropped one unread', () => {
    const schema = fields.map((f) => f.name);
    const withSubtitle = [...PROPERTIES, {name: 'subtitle', groq: 'subtitle', kind: 'string', maxLength: 200} as const];
    expect(compare(planDocumentFields(withSubtitle), schema)).toEqual({missing: ['subtitle'], unread: []});
    const withoutCampaign = PROPERTIES.filter((p) => p.name !== 'campaign');
    expect(compare(planDocumentFields(withoutCampaign), schema)).toEqual({missing: [], unread: ['campaign']});
  });

  it('ships the editor-owned fields as analyticsFields (title separately, most types already have one)', () => {
    const names = (analyticsFields as unknown as FieldDef[]).map((f) => f.name).sort();
    expect(names).toEqual(
      [
        'author',
        'campaign',
        'experimentKey',
        'experimentVariant',
        'locale',
        'publishedAt',
        'releaseId',
        'slug',
        'topics',
      ].sort(),
    );
    expect((titleField as unknown as FieldDef).name).toBe('title');
  });

  it('derives each field name from the plan exactly as groq-js reads it', () => {
    for (const p of PROPERTIES) {
      const path = fieldPath(p.groq);
      const source = planSource(p.name);
      expect(source.field, p.name).toBe(path[0]);
      const deref = path.indexOf('->');
      expect(source.dereferenced, p.name).toBe(deref === -1 ? undefined : path[deref + 1]);
      expect(source.maxLength).toBe(p.maxLength);
    }
    expect(() => planSource('no_such_property')).toThrow(/no property "no_such_property"/);
  });

  it('gives each field the type its plan kind and GROQ need', () => {
    for (const p of PROPERTIES) {
      const path = fieldPath(p.groq);
      const root = path[0]!;
      if (root.startsWith('_')) continue;
      const field = byName.get(root)!;
      if (p.kind === 'datetime') expect(field.type, p.name).toBe('datetime');
      if (p.kind === 'list') expect(field.type, p.name).toBe('array');
      if (path[1] === 'current') expect(field.type, p.name).toBe('slug');
      if (path.length === 1) expect(['string', 'datetime'], p.name).toContain(field.type);
    }
  });

  it('references document types that have the fields the plan dereferences', () => {
    const derefs = PROPERTIES.map((p) => fieldPath(p.groq)).filter((path) => path.includes('->'));
    expect(derefs.length).toBeGreaterThan(0);
    for (const path of derefs) {
      const field = byName.get(path[0]!)!;
      const targets =
        path[1] === '[]'
          ? (field.of ?? []).filter((m) => m.type === 'reference').flatMap((m) => m.to ?? [])
          : (field.to ?? []);
      expect(field.type, path.join('')).toBe(path[1] === '[]' ? 'array' : 'reference');
      expect(targets.length, path.join('')).toBeGreaterThan(0);
      const read = path[path.indexOf('->') + 1]!;
      for (const target of targets) {
        const type = typeNamed(target.type);
        expect(type?.type, `${target.type} is a document type in the schema`).toBe('document');
        expect(
          type?.fields?.map((f) => f.name),
          `${target.type} has ${read}`,
        ).toContain(read);
      }
    }
    expect((authorType as unknown as TypeDef).name).toBe(AUTHOR_TYPE);
    expect((topicType as unknown as TypeDef).name).toBe(TOPIC_TYPE);
  });
});

describe('per-type sources in the Studio', () => {
  const names = (fields: unknown[]) => (fields as FieldDef[]).map((f) => f.name);

  it('every tracked type gets every analytics field while the plan reads the same fields everywhere', () => {
    for (const type of TRACKED_TYPES) expect(names(analyticsFieldsFor(type))).toEqual(names(analyticsFields));
  });

  it('a type whose own field the plan reads (or that reads nothing) does not get a second field for it', () => {
    const perType = PROPERTIES.map((p) => {
      if (p.name === 'locale') return {...p, byType: {article: 'language'}};
      if (p.name === 'release_id') return {...p, byType: {article: 'null'}};
      return p;
    });
    const article = names(analyticsFieldsFor('article', perType));
    expect(article).not.toContain('locale');
    expect(article).not.toContain('releaseId');
    expect(article).toContain('experimentVariant');
    expect(names(analyticsFieldsFor('landingPage', perType))).toEqual(names(analyticsFields));
    expect(planSource('locale', 'article')).toMatchObject({field: 'locale'});
  });
});

describe('a Studio schema built from the fields', () => {
  it('has every tracked type, each with every field the plan reads and no duplicate field', () => {
    for (const name of TRACKED_TYPES) {
      const type = typeNamed(name);
      expect(type?.type, name).toBe('document');
      const names = (type?.fields ?? []).map((f) => f.name);
      expect(new Set(names).size, `${name} has no duplicate field names`).toBe(names.length);
      for (const field of planDocumentFields(PROPERTIES)) expect(names, name).toContain(field);
    }
  });

  it("warns editors at the plan limits (what Heap keeps), through Sanity's Rule builder", () => {
    // Sanity's Rule lives in the `sanity` package (not installed): record the builder calls instead.
    const record = (validation: unknown): string[] => {
      const calls: string[] = [];
      const rule: unknown = new Proxy(
        {},
        {
          get:
            (_target, key) =>
            (...args: unknown[]) => {
              calls.push(
                `${String(key)}(${args.map((a) => (a instanceof RegExp ? 'regex' : JSON.stringify(a))).join(',')})`,
              );
              return rule;
            },
        },
      );
      (validation as (r: unknown) => unknown)(rule);
      return calls;
    };
    for (const p of PROPERTIES) {
      const root = fieldPath(p.groq)[0]!;
      const field = byName.get(root) as {type: string; validation?: unknown} | undefined;
      if (field?.type !== 'string') continue;
      expect(record(field.validation), p.name).toContain(`max(${p.maxLength})`);
    }
  });
});
