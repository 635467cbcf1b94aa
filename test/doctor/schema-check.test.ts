/**
 * The doctor's schema check (`npm run doctor -- --schema <file>`) on content
 * models extracted by Sanity's own extractor (fixtures/schemas/, made by
 * `npm run fixtures:schemas`): this repository's model and a different one that
 * fits give no problem (exit 0); a blog that differs in every listed way gives
 * one line per mismatch with the field to use instead (exit 1).
 */
import {describe, expect, it} from 'vitest';
import {formatFinding} from '../../scripts/doctor/finding.ts';
import {checkSchema} from '../../scripts/doctor/schema-check.ts';
import {loadSchemaFile} from '../../scripts/schema/extracted-schema.ts';
import {PROPERTIES, type PropertySpec, TRACKED_TYPES} from '../../shared/tracking-plan.ts';
import {REPO_ROOT} from '../../tools/sanity-cli.ts';
import {doctor} from '../helpers/run-script.ts';

const schemaOf = (model: string) => loadSchemaFile(`${REPO_ROOT}/fixtures/schemas/${model}.json`);
const PLAN = {trackedTypes: TRACKED_TYPES, properties: PROPERTIES};
const lines = (model: string, plan: {trackedTypes: readonly string[]; properties: readonly PropertySpec[]} = PLAN) =>
  checkSchema(schemaOf(model), `${model}.json`, plan).map((f) => formatFinding(f));

const FIT = (model: string) =>
  `NOTE schema: the plan fits ${model}.json: 13 properties on article, landingPage, productPage, docsPage, typed with groq-js`;

/** Every line the doctor prints for the blog model, in order. */
const BLOG_LINES = [
  `PROBLEM schema: article: "author": author->name resolves to nothing: article has no field author Fix: read authors[0]->fullName there: give "author" byType: {article: 'authors[0]->fullName'} in shared/tracking-plan.ts`,
  `PROBLEM schema: article: "topics": topics[]->title resolves to nothing: article has no field topics Fix: read tags there: give "topics" byType: {article: 'tags'} in shared/tracking-plan.ts`,
  `PROBLEM schema: article: "locale": locale resolves to nothing: article has no field locale Fix: read language there: give "locale" byType: {article: 'language'} in shared/tracking-plan.ts`,
  `PROBLEM schema: article: "campaign": campaign is an object (code) on article, where a string is expected Fix: read campaign.code there: give "campaign" byType: {article: 'campaign.code'} in shared/tracking-plan.ts`,
  ...['release_id:releaseId', 'experiment_key:experimentKey', 'experiment_variant:experimentVariant'].map((pair) => {
    const [name, field] = pair.split(':');
    return `PROBLEM schema: article: "${name}": ${field} resolves to nothing: article has no field ${field} Fix: no field of article fits by name and kind: add one to article (studio/analytics-fields.ts), or read nothing there: give "${name}" byType: {article: 'null'} in shared/tracking-plan.ts`;
  }),
  `PROBLEM schema: article: "published_at": publishedAt resolves to nothing: article has no field publishedAt Fix: read publishDate there (a date field is sent as that day at midnight UTC): give "published_at" byType: {article: 'publishDate'} in shared/tracking-plan.ts`,
  `PROBLEM schema: landingPage: "author": author->name resolves to nothing: landingPage has no field author Fix: no field of landingPage fits by name and kind: add one to landingPage (studio/analytics-fields.ts), or read nothing there: give "author" byType: {landingPage: 'null'} in shared/tracking-plan.ts`,
  `PROBLEM schema: landingPage: "topics": landingPage.topics is a list of strings, not references, so topics[]->title dereferences nothing Fix: read topics there: give "topics" byType: {landingPage: 'topics'} in shared/tracking-plan.ts`,
  `PROBLEM schema: landingPage: "locale": locale is a list of strings on landingPage, where a string is expected Fix: read locale[0] there: give "locale" byType: {landingPage: 'locale[0]'} in shared/tracking-plan.ts`,
  ...['release_id:releaseId', 'experiment_key:experimentKey', 'experiment_variant:experimentVariant'].map((pair) => {
    const [name, field] = pair.split(':');
    return `PROBLEM schema: landingPage: "${name}": ${field} resolves to nothing: landingPage has no field ${field} Fix: no field of landingPage fits by name and kind: add one to landingPage (studio/analytics-fields.ts), or read nothing there: give "${name}" byType: {landingPage: 'null'} in shared/tracking-plan.ts`;
  }),
  ...['productPage', 'docsPage'].map(
    (type) =>
      `PROBLEM schema: ${type}: tracked, but blog.json has no document type "${type}" (it has category, person, landingPage, article) Fix: remove "${type}" from TRACKED_TYPES in shared/tracking-plan.ts, or rename it to the type that holds that content`,
  ),
];

describe('the schema check', () => {
  it('finds nothing wrong with the plan on this repository’s model and on a different model that fits', () => {
    expect(lines('example')).toEqual([FIT('example')]);
    expect(lines('fits')).toEqual([FIT('fits')]);
  });

  it('reports each blog mismatch on its own line, with the field to use instead', () => {
    expect(lines('blog')).toEqual(BLOG_LINES);
  });

  it('types the generated per-type expression: the fixes it proposes make the blog fit', () => {
    const byType: Record<string, Record<string, string>> = {
      author: {article: 'authors[0]->fullName', landingPage: 'null'},
      topics: {article: 'tags', landingPage: 'topics'},
      locale: {article: 'language', landingPage: 'locale[0]'},
      campaign: {article: 'campaign.code'},
      release_id: {article: 'null', landingPage: 'null'},
      experiment_key: {article: 'null', landingPage: 'null'},
      experiment_variant: {article: 'null', landingPage: 'null'},
      published_at: {article: 'publishDate'},
    };
    const properties = PROPERTIES.map((p) => (byType[p.name] ? {...p, byType: byType[p.name]} : p));
    const out = lines('blog', {trackedTypes: ['article', 'landingPage'], properties});
    expect(out.filter((l) => l.startsWith('PROBLEM'))).toEqual([]);
    expect(out).toContain('NOTE schema: article: "release_id" reads nothing on article (its source there is null)');
    expect(out.at(-1)).toBe(
      'NOTE schema: the plan fits blog.json: 13 properties on article, landingPage, typed with groq-js',
    );
    // A per-type source pointing at the wrong field is caught through the select() it generates:
    // landingPage has `campaign` (the default), yet its own source `campaignCode` is what it reads.
    const wrong = properties.map((p) => (p.name === 'campaign' ? {...p, byType: {landingPage: 'campaignCode'}} : p));
    expect(
      lines('blog', {trackedTypes: ['landingPage'], properties: wrong}).filter((l) => l.startsWith('PROBLEM')),
    ).toEqual([
      `PROBLEM schema: landingPage: "campaign": campaignCode resolves to nothing: landingPage has no field campaignCode Fix: read campaign there, the default: remove landingPage from the byType of "campaign" in shared/tracking-plan.ts`,
    ]);
  });
});

describe('npm run doctor -- --schema <file>', () => {
  it('exits 0 when the plan fits', async () => {
    const run = await doctor(['--schema', 'fixtures/schemas/fits.json'], {HEAP_APP_ID: '1234567890'});
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      'doctor: no problems (checked: configuration, blueprint, tracking plan, schema fixtures/schemas/fits.json)',
    );
    expect(run.stdout).toContain(`${FIT('fixtures/schemas/fits')}\n`);
    expect(run.stdout).not.toContain('PROBLEM');
  });

  it('exits 1 with one line per blog mismatch', async () => {
    const run = await doctor(['--schema', 'fixtures/schemas/blog.json']);
    expect(run.code).toBe(1);
    const schemaLines = run.stdout.split('\n').filter((l) => l.includes(' schema: '));
    expect(schemaLines).toEqual(BLOG_LINES.map((l) => l.replace('blog.json', 'fixtures/schemas/blog.json')));
    expect(run.stdout.trim().split('\n').at(-1)).toBe(
      `doctor: ${BLOG_LINES.length} problems (checked: blueprint, tracking plan, schema fixtures/schemas/blog.json; configuration not checked: no HEAP_* variables set)`,
    );
  });

  it('says how to make the file when it is missing or not an extracted schema', async () => {
    const missing = await doctor(['--schema', 'no-such-schema.json']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(
      "PROBLEM schema: no-such-schema.json cannot be read (ENOENT) Fix: make it with the Studio's CLI: in your Studio folder run: npx sanity schema extract --path schema.json",
    );
    const wrong = await doctor(['--schema', 'package.json']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(
      'PROBLEM schema: package.json is not what sanity schema extract writes (a list of document and type entries)',
    );
  });

  it('without --schema runs no schema check', async () => {
    const run = await doctor([]);
    expect(run.stdout).not.toContain(' schema: ');
  });
});
