/**
 * `npm run plan:propose -- --schema <file> [--types a,b]`: print a tracking plan
 * for a project's schema (the file `sanity schema extract` writes), ready to
 * paste into shared/tracking-plan.ts. Without --types it proposes for the plan's
 * tracked types the schema has (all its document types when it has none of
 * them). Exit 0 with the plan on stdout; 2 on bad arguments or an unreadable file.
 */
import {parseArgs} from 'node:util';
import {PROPERTIES, TRACKED_TYPES} from '../shared/tracking-plan.ts';
import {EXTRACT_HINT, readSchemaFlag} from './schema/extracted-schema.ts';
import {contentTypes, formatProposal, propose} from './schema/propose.ts';

const USAGE = 'usage: npm run plan:propose -- --schema <file from sanity schema extract> [--types a,b]';

function fail(message: string): number {
  console.error(`plan:propose: ${message}\n${USAGE}`);
  return 2;
}

function main(argv: string[]): number {
  let values: {schema?: string; types?: string; help?: boolean};
  try {
    ({values} = parseArgs({
      args: argv,
      options: {schema: {type: 'string'}, types: {type: 'string'}, help: {type: 'boolean', short: 'h'}},
      strict: true,
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.schema) return fail(`--schema is required (${EXTRACT_HINT})`);
  const read = readSchemaFlag(values.schema);
  if ('error' in read) return fail(`${read.error}; ${EXTRACT_HINT}`);
  const {file: shown, value: schema} = read;
  const available = contentTypes(schema);
  const tracked: readonly string[] = TRACKED_TYPES;
  let types = values.types
    ?.split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = (types ?? []).filter((t) => !available.includes(t));
  if (unknown.length > 0)
    return fail(`${shown} has no document type ${unknown.join(', ')} (it has ${available.join(', ')})`);
  if (!types || types.length === 0) {
    types = tracked.filter((t) => available.includes(t));
    if (types.length === 0) types = available;
  }
  const typesFlag = values.types ? ` --types ${types.join(',')}` : '';
  process.stdout.write(
    formatProposal(
      propose(schema, types, PROPERTIES),
      `npm run plan:propose -- --schema ${shown}${typesFlag}`,
      `npm run doctor -- --schema ${shown}`,
    ),
  );
  return 0;
}

process.exitCode = main(process.argv.slice(2));
