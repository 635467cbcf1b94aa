/**
 * `npm run redrive -- --logs FILE|-`: re-send to Heap the events the function
 * failed to deliver, read from `sanity functions logs heap-content-sync --json`.
 * See `--help`, redrive/ and docs/runbook.md.
 *
 * Standard output: one JSON line per event re-sent or still failing (app id
 * redacted). Standard error: the summary, scrubbed of the app id too.
 */
import type {Logger} from '../backfill/run.ts';
import {readLedger} from '../redrive/ledger.ts';
import {openInput, readLogInput} from '../redrive/log-input.ts';
import {parseRedriveCommand, REDRIVE_FLAGS, REDRIVE_HELP, UsageError} from '../redrive/options.ts';
import {redrive} from '../redrive/run.ts';
import {logLine, Scrubber} from '../shared/log.ts';
import {npmTakenFlags} from './npm-flags.ts';

/** Every secret the run can see (the recovery workflow also has the Sanity token in its environment). */
const secrets = [process.env.HEAP_APP_ID, process.env.SANITY_API_TOKEN, process.env.SANITY_AUTH_TOKEN];
const scrubber = new Scrubber(secrets);

async function main(): Promise<number> {
  const say = (text: string): void => {
    process.stderr.write(`${scrubber.text(text)}\n`);
  };
  const log: Logger = (level, msg, fields = {}) =>
    logLine(
      {time: new Date().toISOString(), level, tool: 'redrive', msg, ...fields},
      {secrets, write: (line) => process.stdout.write(`${line}\n`)},
    );
  const taken = npmTakenFlags('redrive', REDRIVE_FLAGS, process.env);
  if (taken) {
    log('error', 'usage', {reason: taken.message, npm_flags: taken.flags});
    say(`redrive: ${taken.message}`);
    return 2;
  }
  let command: ReturnType<typeof parseRedriveCommand>;
  try {
    command = parseRedriveCommand(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`redrive: ${err.message}\nRun with --help for usage.`);
    return 2;
  }
  if (command.help) {
    process.stdout.write(`${REDRIVE_HELP}\n`);
    return 0;
  }
  let ledger: Awaited<ReturnType<typeof readLedger>>;
  try {
    ledger = await readLedger(readLogInput(openInput(command.logs)), command);
  } catch (err) {
    // An unreadable file (missing, a directory, no permission): the input is bad.
    say(`redrive: cannot read ${command.logs}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
  if (command.dryRun) say(`redrive: dry run (${command.dryRunBecause}): nothing is sent.`);
  const result = await redrive(ledger, command, {log});
  const verb = command.dryRun ? 'would re-send' : 're-sent';
  say(
    [
      `redrive: ${result.resent} ${verb}, ${result.stillFailing} still failing` +
        `${result.unkeyed ? `, ${result.unkeyed} failed before an event was built (nothing to re-send)` : ''}` +
        `, ${result.alreadyDelivered} already delivered by another invocation (skipped).`,
      `input: ${ledger.entries} log entries, ${ledger.otherLines} other lines, ${ledger.unparsableTotal} unparsable` +
        `${ledger.unparsableTotal ? ` (${[...ledger.unparsable].map(([why, n]) => `${n} × ${why}`).join('; ')})` : ''}` +
        `${ledger.beforeSince ? `, ${ledger.beforeSince} invocations before --since` : ''}.`,
      ...(result.message ? [`redrive: ${result.message}`] : []),
    ].join('\n'),
  );
  return result.exitCode;
}

// exitCode, not exit(): a pipe gets everything written before the process ends.
main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`redrive: unexpected error: ${scrubber.error(err)}\n`);
    process.exitCode = 3;
  },
);
