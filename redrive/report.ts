/**
 * `npm run status`: the ledger as one JSON document (`--json`) or as text for
 * a person. Everything printed is scrubbed of the app id by the caller.
 */
import type {Outcome} from '../functions/heap-content-sync/index.ts';
import {type Counts, type Ledger, OUTCOMES} from './ledger.ts';

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface StatusReport {
  window: {since: string | null; invocations: number; before_since: number; without_time: number};
  totals: Record<Outcome, number>;
  by_hour: ({hour: string} & Record<Outcome, number>)[];
  reasons: {outcome: Outcome; reason: string; count: number}[];
  attempts: Percentiles;
  elapsed_ms: Percentiles;
  /** Failed and not delivered by any invocation in the input. */
  at_risk: {
    idempotency_key: string;
    content_id: string | null;
    event: string | null;
    failed_at: string | null;
    failures: number;
    status: number | null;
    reason: string | null;
    /** True when the log line carries the event (npm run redrive can re-send it). */
    resendable: boolean;
    not_resendable_because?: string;
  }[];
  /** Failed before an event was built (no key to follow, nothing to re-send). */
  failed_without_event: number;
  /** Failed, then delivered by a later (or earlier) invocation with the same key. */
  recovered: number;
  input: {
    entries: number;
    other_lines: number;
    unparsable: number;
    unparsable_by_kind: Record<string, number>;
    cli_errors: string[];
  };
}

function percentiles(c: Counts): Percentiles {
  return {
    count: c.total,
    p50: c.percentile(50) ?? null,
    p90: c.percentile(90) ?? null,
    p99: c.percentile(99) ?? null,
    max: c.percentile(100) ?? null,
  };
}

export function statusReport(ledger: Ledger): StatusReport {
  const invocations = OUTCOMES.reduce((n, o) => n + ledger.totals[o], 0);
  return {
    window: {
      since: ledger.since === undefined ? null : new Date(ledger.since).toISOString(),
      invocations,
      before_since: ledger.beforeSince,
      without_time: ledger.untimed,
    },
    totals: {...ledger.totals},
    by_hour: [...ledger.byHour.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([hour, row]) => ({hour, ...row})),
    reasons: [...ledger.reasons.entries()]
      .map(([group, r]) => ({outcome: r.outcome, reason: group.slice(group.indexOf(': ') + 2), count: r.count}))
      .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason)),
    attempts: percentiles(ledger.attempts),
    elapsed_ms: percentiles(ledger.elapsedMs),
    at_risk: ledger.atRisk().map((f) => ({
      idempotency_key: f.key,
      content_id: f.contentId,
      event: f.event,
      failed_at: f.time === undefined ? null : new Date(f.time).toISOString(),
      failures: f.failures,
      status: f.status,
      reason: f.reason,
      resendable: f.heapEvent !== undefined,
      ...(f.heapEvent === undefined && f.eventMissing !== undefined ? {not_resendable_because: f.eventMissing} : {}),
    })),
    failed_without_event: ledger.unkeyedFailures,
    recovered: ledger.recovered().length,
    input: {
      entries: ledger.entries,
      other_lines: ledger.otherLines,
      unparsable: ledger.unparsableTotal,
      unparsable_by_kind: Object.fromEntries(ledger.unparsable),
      cli_errors: [...ledger.cliErrors],
    },
  };
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);
const LABELS: Record<Outcome, string> = {
  delivered: 'delivered',
  skipped: 'skipped',
  failed: 'failed',
  dry_run: 'dry run',
};

function formatPercentiles(p: Percentiles, unit: string): string {
  if (p.count === 0) return 'none';
  return `p50 ${p.p50}${unit}, p90 ${p.p90}${unit}, p99 ${p.p99}${unit}, max ${p.max}${unit} (${p.count} invocations)`;
}

export function formatStatusText(r: StatusReport): string {
  const out: string[] = [];
  const window = r.window.since ? ` since ${r.window.since}` : '';
  out.push(`heap-content-sync: ${r.window.invocations} invocations${window}`);
  out.push(`  ${OUTCOMES.map((o) => `${LABELS[o]} ${r.totals[o]}`).join(', ')}`);
  if (r.window.before_since > 0) out.push(`  (${r.window.before_since} earlier invocations left out by --since)`);
  out.push('');
  out.push('By hour (UTC)');
  if (r.by_hour.length === 0) out.push('  no invocations');
  else {
    out.push(`  ${'hour'.padEnd(18)}${OUTCOMES.map((o) => pad(LABELS[o], 10)).join('')}`);
    for (const h of r.by_hour) out.push(`  ${h.hour.padEnd(18)}${OUTCOMES.map((o) => pad(h[o], 10)).join('')}`);
  }
  out.push('');
  out.push('Failure and skip reasons');
  if (r.reasons.length === 0) out.push('  none');
  for (const x of r.reasons) out.push(`  ${pad(x.count, 6)} × ${x.outcome}: ${x.reason}`);
  out.push('');
  out.push(`Attempts per invocation: ${formatPercentiles(r.attempts, '')}`);
  out.push(`Elapsed time: ${formatPercentiles(r.elapsed_ms, ' ms')}`);
  out.push('');
  const sendable = r.at_risk.filter((a) => a.resendable).length;
  out.push(
    `At risk (failed, not delivered since): ${r.at_risk.length}${r.at_risk.length ? `, ${sendable} re-sendable with npm run redrive` : ''}`,
  );
  for (const a of r.at_risk) {
    const why = a.resendable ? '' : `  NOT re-sendable: ${a.not_resendable_because ?? 'no event in the line'}`;
    out.push(
      `  ${a.failed_at ?? 'time unknown'}  ${a.event ?? '?'}  ${a.content_id ?? '?'}  ${a.idempotency_key}${why}`,
    );
    if (a.reason) out.push(`      ${a.reason}`);
  }
  if (r.failed_without_event > 0)
    out.push(
      `  and ${r.failed_without_event} invocations that failed before building an event (see the reasons above)`,
    );
  if (r.recovered > 0) out.push(`Recovered (failed, then delivered with the same key): ${r.recovered}`);
  out.push('');
  const bad = Object.entries(r.input.unparsable_by_kind)
    .map(([why, n]) => `${n} × ${why}`)
    .join('; ');
  out.push(
    `Input: ${r.input.entries} log entries, ${r.input.other_lines} other lines, ${r.input.unparsable} unparsable${bad ? ` (${bad})` : ''}`,
  );
  for (const e of r.input.cli_errors) out.push(`The input holds the Sanity CLI's error: ${e}`);
  return `${out.join('\n')}\n`;
}
