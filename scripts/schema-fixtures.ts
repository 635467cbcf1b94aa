/**
 * `npm run fixtures:schemas`: extract each content model in fixtures/schemas/models.ts
 * with Sanity's own extractor (`extractSchema` from @sanity/schema, the code behind
 * `sanity schema extract`) and write fixtures/schemas/<model>.json. With `--check`,
 * write nothing and exit 1 if a committed file differs from what the extractor gives.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {Schema} from '@sanity/schema';
import {builtinTypes, extractSchema} from '@sanity/schema/_internal';
import {MODELS} from '../fixtures/schemas/models.ts';

export const SCHEMA_DIR = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));

/** What `sanity schema extract` writes for a Studio with these schema types (pretty-printed, as the CLI does). */
export function extractModel(name: string, types: readonly unknown[]): string {
  const compiled = Schema.compile({name, types: [...builtinTypes, ...types]});
  return `${JSON.stringify(extractSchema(compiled), null, 2)}\n`;
}

/** Each model's file name and the JSON the extractor gives for it. */
export function extractAll(): {file: string; json: string}[] {
  return Object.entries(MODELS).map(([name, types]) => ({
    file: `${SCHEMA_DIR}${name}.json`,
    json: extractModel(name, types),
  }));
}

if (import.meta.main) {
  const {values} = parseArgs({options: {check: {type: 'boolean'}, help: {type: 'boolean', short: 'h'}}});
  if (values.help) {
    console.log(`usage: npm run fixtures:schemas [-- --check]

Extracts each content model in fixtures/schemas/models.ts with Sanity's extractor
(@sanity/schema's extractSchema, which the Studio CLI's schema extract runs) into
fixtures/schemas/<model>.json.
--check  write nothing; exit 1 if a committed file differs from what the extractor gives`);
    process.exit(0);
  }
  let stale = 0;
  for (const {file, json} of extractAll()) {
    if (!values.check) {
      writeFileSync(file, json);
      console.log(`wrote ${file}`);
      continue;
    }
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {}
    if (current !== json) {
      stale += 1;
      console.error(`${file} is out of date: run npm run fixtures:schemas`);
    }
  }
  process.exitCode = stale === 0 ? 0 : 1;
}
