/**
 * `npm run plan:propose -- --schema <file> [--types a,b]` on the extracted
 * models: a plan ready to paste, with the field that fits by name and kind on
 * each type, per-type sources where types differ, and a comment where none fits;
 * on a model the plan already fits, exactly today's sources.
 */
import {describe, expect, it} from 'vitest';
import {checkSchema} from '../../scripts/doctor/schema-check.ts';
import {loadSchemaFile} from '../../scripts/schema/extracted-schema.ts';
import {propose} from '../../scripts/schema/propose.ts';
import {PROPERTIES, TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {REPO_ROOT} from '../../tools/sanity-cli.ts';
import {runScript} from '../helpers/run-script.ts';

const proposeCli = (args: string[]) => runScript('scripts/plan-propose.ts', args);
const schemaOf = (model: string) => loadSchemaFile(`${REPO_ROOT}/fixtures/schemas/${model}.json`);

const BLOG_PROPOSAL = `// Proposed by: npm run plan:propose -- --schema fixtures/schemas/blog.json --types article,landingPage
// Paste over TRACKED_TYPES and PROPERTIES in shared/tracking-plan.ts, then check it:
//   npm run doctor -- --schema fixtures/schemas/blog.json

export const TRACKED_TYPES = ['article', 'landingPage'] as const;

export const PROPERTIES: readonly PropertySpec[] = [
  {name: 'content_id', groq: '_id', kind: 'id', maxLength: 200},
  {name: 'content_type', groq: '_type', kind: 'string', maxLength: 200},
  {name: 'slug', groq: 'slug.current', kind: 'string', maxLength: 1000},
  {name: 'title', groq: 'title', kind: 'string', maxLength: 1000},
  // author: no field fits by name and kind on landingPage, so it reads null there (add one: studio/analytics-fields.ts)
  {name: 'author', groq: 'authors[0]->fullName', byType: {landingPage: 'null'}, kind: 'string', maxLength: 1000},
  {name: 'topics', groq: 'tags', byType: {landingPage: 'topics'}, kind: 'list', maxLength: 1000},
  {name: 'locale', groq: 'language', byType: {landingPage: 'locale[0]'}, kind: 'string', maxLength: 35},
  {name: 'campaign', groq: 'campaign', byType: {article: 'campaign.code'}, kind: 'string', maxLength: 1000},
  // release_id: no field fits by name and kind on article, landingPage, so it reads null there (add one: studio/analytics-fields.ts)
  {name: 'release_id', groq: 'null', kind: 'string', maxLength: 200},
  // experiment_key: no field fits by name and kind on article, landingPage, so it reads null there (add one: studio/analytics-fields.ts)
  {name: 'experiment_key', groq: 'null', kind: 'string', maxLength: 200},
  // experiment_variant: no field fits by name and kind on article, landingPage, so it reads null there (add one: studio/analytics-fields.ts)
  {name: 'experiment_variant', groq: 'null', kind: 'string', maxLength: 200},
  {name: 'published_at', groq: 'publishedAt', byType: {article: 'publishDate'}, kind: 'datetime', maxLength: 40},
  {name: 'revision', groq: '_rev', kind: 'string', maxLength: 200, serverOnly: true},
];
`;

describe('plan:propose', () => {
  it('proposes the blog’s own fields, per type, with a comment where none fits', async () => {
    const run = await proposeCli(['--schema', 'fixtures/schemas/blog.json', '--types', 'article,landingPage']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(BLOG_PROPOSAL);
  });

  it('proposes a plan the schema check passes', () => {
    const proposal = propose(schemaOf('blog'), ['article', 'landingPage'], PROPERTIES);
    const problems = checkSchema(schemaOf('blog'), 'blog.json', {
      trackedTypes: proposal.types,
      properties: proposal.properties,
    }).filter((f) => f.severity === 'problem');
    expect(problems).toEqual([]);
  });

  it('keeps today’s sources on a model they fit (no per-type source)', () => {
    for (const model of ['fits', 'example']) {
      const proposal = propose(schemaOf(model), TRACKED_TYPES, PROPERTIES);
      expect(proposal.missing, model).toEqual({});
      expect(proposal.properties, model).toEqual(PROPERTIES.map(({byType: _, ...p}) => p));
    }
  });

  it('without --types proposes for the tracked types the schema has', async () => {
    const run = await proposeCli(['--schema', 'fixtures/schemas/blog.json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("export const TRACKED_TYPES = ['article', 'landingPage'] as const;");
    expect(run.stdout).toContain('// Proposed by: npm run plan:propose -- --schema fixtures/schemas/blog.json\n');
  });

  it('exits 2 with the reason on bad arguments', async () => {
    const noSchema = await proposeCli([]);
    expect(noSchema.code).toBe(2);
    expect(noSchema.stderr).toContain(
      'plan:propose: --schema is required (in your Studio folder run: npx sanity schema extract --path schema.json)',
    );
    const unknown = await proposeCli(['--schema', 'fixtures/schemas/blog.json', '--types', 'article,post']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      'plan:propose: fixtures/schemas/blog.json has no document type post (it has category, person, landingPage, article)',
    );
    const missing = await proposeCli(['--schema', 'nope.json']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('plan:propose: nope.json cannot be read (ENOENT)');
    expect(missing.stdout).toBe('');
  });
});
