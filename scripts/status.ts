/**
 * `npm run status -- --logs FILE|- [--json]`: what the function did, from
 * `sanity functions logs heap-content-sync --json`. See `--help` and redrive/.
 */
import {readLedger} from '../redrive/ledger.ts';
import {openInput, readLogInput} from '../redrive/log-input.ts';
import {parseStatusCommand, STATUS_FLAGS, STATUS_HELP, UsageError} from '../redrive/options.ts';
import {formatStatusText, statusReport} from '../redrive/report.ts';
import {Scrubber} from '../shared/log.ts';
import {npmTakenFlags} from './npm-flags.ts';

const scrubber = new Scrubber([process.env.HEAP_APP_ID, process.env.SANITY_API_TOKEN, process.env.SANITY_AUTH_TOKEN]);

async function main(): Promise<number> {
  const taken = npmTakenFlags('status', STATUS_FLAGS, process.env);
  if (taken) {
    process.stderr.write(`${scrubber.text(`status: ${taken.message}`)}\n`);
    return 2;
  }
  let command: ReturnType<typeof parseStatusCommand>;
  try {
    command = parseStatusCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${scrubber.text(`status: ${err.message}`)}\nRun with --help for usage.\n`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(`${STATUS_HELP}\n`);
    return 0;
  }
  let ledger: Awaited<ReturnType<typeof readLedger>>;
  try {
    ledger = await readLedger(readLogInput(openInput(command.logs)), command);
  } catch (err) {
    process.stderr.write(
      `${scrubber.text(`status: cannot read ${command.logs}: ${err instanceof Error ? err.message : String(err)}`)}\n`,
    );
    return 2;
  }
  const report = statusReport(ledger);
  const text = command.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatusText(report);
  process.stdout.write(scrubber.text(text));
  return 0;
}

// exitCode, not exit(): a pipe gets everything written before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`status: unexpected error: ${scrubber.error(err)}\n`);
    process.exitCode = 2;
  },
);
