/**
 * For scripts whose only flag is --help: print `usage` and return true on
 * -h/--help; on any other argument print one line naming it and exit 2.
 *
 *   if (helpRequested(USAGE)) process.exit(0);
 */
import {parseArgs} from 'node:util';

export function helpRequested(usage: string, argv: string[] = process.argv.slice(2)): boolean {
  try {
    const {values} = parseArgs({args: argv, options: {help: {type: 'boolean', short: 'h'}}, allowPositionals: false});
    if (values.help) console.log(usage);
    return values.help === true;
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('. ')[0] ?? error.message) : String(error);
    console.error(`${message}; the only option is --help`);
    process.exit(2);
  }
}
