/**
 * `npm run status -- --logs FILE|- [--json]`: what the function did, from
 * `sanity functions logs heap-content-sync --json`. See `--help` and redrive/.
 */
import {readLedger} from '../redrive/ledger.ts';
import {openInput, readLogInput} from '../redrive/log-input.ts';
import {parseStatusCommand, STATUS_HELP, UsageError} from '../redrive/options.ts';
import {formatStatusText, statusReport} from '../redrive/report.ts';
import {scrubSecrets} from '../shared/log.ts';

async function main(): Promise<number> {
  const secrets = [process.env.HEAP_APP_ID?.trim()];
  let command: ReturnType<typeof parseStatusCommand>;
  try {
    command = parseStatusCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${scrubSecrets(`status: ${err.message}`, secrets)}\nRun with --help for usage.\n`);
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
      `${scrubSecrets(`status: cannot read ${command.logs}: ${err instanceof Error ? err.message : String(err)}`, secrets)}\n`,
    );
    return 2;
  }
  const report = statusReport(ledger);
  const text = command.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatusText(report);
  process.stdout.write(scrubSecrets(text, secrets));
  return 0;
}

// exitCode, not exit(): a pipe gets everything written before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`status: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
