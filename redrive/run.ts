/**
 * Re-sending what the ledger says is at risk: every failed event not
 * delivered since, exactly as the function logged it (same idempotency key,
 * so Heap stores an event it already has only once), in paced batches through
 * the backfill's sender (backfill/send.ts: pacing, retries, 429/5xx pauses,
 * bad batches split to find the event Heap rejects).
 */
import {type Clock, heapPacer} from '../backfill/pacer.ts';
import type {Logger} from '../backfill/run.ts';
import {type Item, loggingSender, StopError} from '../backfill/send.ts';
import type {Failure, Ledger} from './ledger.ts';
import type {RedriveCommand} from './options.ts';

export type RedriveOptions = Extract<RedriveCommand, {help: false}>;

export interface RedriveDeps {
  log: Logger;
  clock?: Clock;
  fetch?: typeof fetch;
  random?: () => number;
}

export interface RedriveResult {
  /** 0 nothing left; 1 some still fail; 2 bad input; 3 Heap unavailable. */
  exitCode: 0 | 1 | 2 | 3;
  /** Failed events re-sent and accepted by Heap (in a dry run: that would be re-sent). */
  resent: number;
  /** Failed events whose key another invocation delivered: not re-sent. */
  alreadyDelivered: number;
  /** Rejected by Heap, not re-sendable from the log, or not tried because Heap was unavailable. */
  stillFailing: number;
  /** Failed invocations with no event and no key (failed before the event was built). */
  unkeyed: number;
  message?: string;
}

function described(f: Failure): Record<string, unknown> {
  return {
    idempotency_key: f.key,
    content_id: f.contentId,
    event: f.event,
    failed_at: f.time === undefined ? null : new Date(f.time).toISOString(),
  };
}

export async function redrive(ledger: Ledger, o: RedriveOptions, d: RedriveDeps): Promise<RedriveResult> {
  const result: RedriveResult = {
    exitCode: 0,
    resent: 0,
    alreadyDelivered: ledger.recovered().length,
    stillFailing: 0,
    unkeyed: ledger.unkeyedFailures,
  };
  if (ledger.cliErrors.length > 0) {
    result.exitCode = 2;
    result.message = `the input is the Sanity CLI's error, not logs: ${ledger.cliErrors[0]}`;
    return result;
  }
  const atRisk = ledger.atRisk();
  const sendable: Item<Failure>[] = [];
  for (const f of atRisk) {
    if (f.heapEvent) sendable.push({event: f.heapEvent, meta: f});
    else {
      result.stillFailing += 1;
      d.log('warn', 'not_resendable', {...described(f), reason: f.eventMissing ?? null});
    }
  }
  if (result.unkeyed > 0)
    d.log('warn', 'not_resendable', {
      invocations: result.unkeyed,
      reason: 'failed before an event was built (no idempotency key): see the failure reasons in `npm run status`',
    });
  const otherIdentity = sendable.filter((i) => i.event.identity !== o.heap.identity).length;
  if (otherIdentity > 0)
    d.log('warn', 'identity_differs', {
      events: otherIdentity,
      reason: 'these events were logged with another identity than HEAP_IDENTITY; they are re-sent as logged',
    });

  if (o.dryRun) {
    for (const i of sendable) d.log('info', 'would_resend', described(i.meta));
    result.resent = sendable.length;
  } else if (sendable.length > 0) {
    const pacer = heapPacer({batchSize: o.batchSize, timeScale: o.timeScale, clock: d.clock});
    const sender = loggingSender(
      {
        apiUrl: o.heap.apiUrl,
        appId: o.heap.appId,
        resume: 'run the redrive again: it re-sends only what is still missing',
        pacer,
        timeScale: o.timeScale,
        fetch: d.fetch,
        random: d.random,
      },
      d.log,
    );
    for (let at = 0; at < sendable.length; at += o.batchSize) {
      const batch = sendable.slice(at, at + o.batchSize);
      try {
        const {rejected} = await sender.send(batch);
        const rejectedKeys = new Set(rejected.map((r) => r.item.meta.key));
        for (const i of batch) if (!rejectedKeys.has(i.meta.key)) d.log('info', 'resent', described(i.meta));
        for (const r of rejected)
          d.log('warn', 'still_failing', {...described(r.item.meta), status: r.status, reason: r.reason});
        result.resent += batch.length - rejected.length;
        result.stillFailing += rejected.length;
      } catch (err) {
        if (!(err instanceof StopError)) throw err;
        const left = sendable.slice(at);
        for (const i of left)
          d.log('warn', 'still_failing', {...described(i.meta), reason: 'not sent: Heap unavailable'});
        result.stillFailing += left.length;
        result.exitCode = 3;
        result.message = err.message;
        return result;
      }
    }
  }
  if (result.stillFailing > 0 || result.unkeyed > 0) result.exitCode = 1;
  return result;
}
