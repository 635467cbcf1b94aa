/**
 * `npm run doctor`: an offline check of the configuration (HEAP_* in this
 * environment), the blueprint (sanity.blueprint.ts) and the tracking plan.
 * One line per finding, each problem with its fix; exit 1 on any problem,
 * 0 when all is well, 2 on bad arguments.
 *
 *   npm run doctor
 *   HEAP_APP_ID=123 HEAP_API_URL=https://c.eu.heap-api.com npm run doctor
 *   npm run doctor -- --blueprint path/to/sanity.blueprint.ts
 *   npm run doctor -- --schema schema.json    # also check the plan against `sanity schema extract`'s file
 */
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {loadBlueprint, runDoctor} from './doctor/run.ts';
import {readSchemaFlag} from './schema/extracted-schema.ts';

const USAGE = 'usage: npm run doctor [-- --blueprint <file>] [--schema <file from sanity schema extract>]';
const DEFAULT_BLUEPRINT = fileURLToPath(new URL('../sanity.blueprint.ts', import.meta.url));

async function main(argv: string[]): Promise<number> {
  let values: {blueprint?: string; schema?: string; help?: boolean};
  try {
    ({values} = parseArgs({
      args: argv,
      options: {blueprint: {type: 'string'}, schema: {type: 'string'}, help: {type: 'boolean', short: 'h'}},
      allowPositionals: false,
      strict: true,
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(JSON.stringify({tool: 'doctor', error: message, usage: USAGE}));
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const file = values.blueprint ? path.resolve(values.blueprint) : DEFAULT_BLUEPRINT;
  const report = runDoctor({
    env: process.env,
    blueprint: await loadBlueprint(file),
    ...(values.schema === undefined ? {} : {schema: readSchemaFlag(values.schema)}),
  });
  for (const line of report.lines) console.log(line);
  return report.problems === 0 ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));
