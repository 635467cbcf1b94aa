/**
 * The schema fixtures are what Sanity's own extractor (@sanity/schema's
 * extractSchema, the code behind `sanity schema extract`) gives for the models
 * in fixtures/schemas/models.ts: regenerated here and compared, so they cannot
 * drift from the models or from the extractor's version.
 */
import {readFileSync} from 'node:fs';
import {describe, expect, it} from 'vitest';
import {extractAll} from '../../scripts/schema-fixtures.ts';

describe('fixtures/schemas', () => {
  it('match what the extractor gives for each model', () => {
    const models = extractAll();
    expect(models.map((m) => m.file.split('/').at(-1))).toEqual(['example.json', 'fits.json', 'blog.json']);
    for (const {file, json} of models) expect(readFileSync(file, 'utf8'), file).toBe(json);
  });
});
