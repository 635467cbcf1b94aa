/**
 * Parity: for every fixture document, the browser's "Content Viewed" properties
 * (the page projection, evaluated with groq-js, through contentProperties) equal
 * the function's server-side properties (its delta-mode projection through
 * buildContentEvent) minus the server-only ones.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {EXAMPLE_DOCUMENTS} from '../../examples/web/content.ts';
import {isUnpublishedId} from '../../shared/normalize.ts';
import {BROWSER_PROPERTIES, SERVER_ONLY_PROPERTIES, TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {REFERENCED, SUBJECTS} from './parity-fixtures.ts';
import {browserProperties, type Doc, serverProperties, withoutServerOnly} from './parity-helpers.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

const isDoc = (v: unknown): v is Doc =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof (v as Doc)._id === 'string' &&
  typeof (v as Doc)._type === 'string';

/** Every document in fixtures/ (files that hold something else, like null.json, are skipped). */
function repoFixtures(): Doc[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(new URL(f, FIXTURES), 'utf8')) as unknown)
    .filter(isDoc);
}

const isSubject = (d: Doc) => (TRACKED_TYPES as readonly string[]).includes(d._type) && !isUnpublishedId(d._id);

const sources: {name: string; documents: Doc[]}[] = [
  {name: 'fixtures/', documents: repoFixtures()},
  {name: 'examples/web/content.ts', documents: [...EXAMPLE_DOCUMENTS]},
  {name: 'test/browser/parity-fixtures.ts', documents: [...REFERENCED, ...SUBJECTS]},
];

describe('browser/server parity', () => {
  const cases = sources.flatMap(({name, documents}) =>
    documents.filter(isSubject).map((subject) => ({name, subject, documents})),
  );

  it('has fixtures from every source to compare', () => {
    for (const {name} of sources) expect(cases.filter((c) => c.name === name).length, name).toBeGreaterThan(0);
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases.map((c) => [`${c.name} ${c.subject._id} (${String(c.subject._rev)})`, c] as const))(
    '%s',
    async (_label, {subject, documents}) => {
      const browser = await browserProperties(subject, documents);
      expect(browser.content_id).toBe(subject._id);
      for (const operation of ['create', 'update'] as const) {
        const server = await serverProperties(subject, documents, operation);
        expect(browser, operation).toEqual(withoutServerOnly(server));
        // The comparison is not vacuous: the server event does carry server-only properties.
        expect(
          Object.keys(server).some((key) => SERVER_ONLY_PROPERTIES.includes(key)),
          operation,
        ).toBe(true);
      }
      for (const key of Object.keys(browser)) expect(BROWSER_PROPERTIES.map((p) => p.name)).toContain(key);
    },
  );

  it('a draft viewed in preview reports its published content_id, as the server does', async () => {
    const draft = repoFixtures().find((d) => d._id.startsWith('drafts.')) ?? {
      _id: 'drafts.article-x',
      _type: 'article',
    };
    const browser = await browserProperties(draft, []);
    expect(browser.content_id).toBe(draft._id.replace(/^drafts\./, ''));
  });
});
