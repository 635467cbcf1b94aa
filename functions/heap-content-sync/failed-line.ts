/**
 * The failed log line as a dead letter: it carries the whole Heap event
 * (`heap_event`: name, identity, timestamp, properties, idempotency key; never
 * the app id, which is not part of an event) so `npm run redrive` can send it
 * again exactly, within MAX_LOG_LINE_BYTES.
 *
 * The policy, in order:
 * 1. the whole line, with `heap_event`, when it fits;
 * 2. else the diagnostics shrink: `attempt_log` is dropped (`attempts` stays)
 *    and `warnings` keeps its first MAX_WARNINGS_WHEN_LONG;
 * 3. else (or when the logged copy would differ from what was built, i.e. a
 *    property value contains a secret the log redacts, or a string the log
 *    cuts) the line keeps the idempotency key and content id, drops
 *    `heap_event` and says why in `heap_event_omitted`. Redrive then reports
 *    the event as not re-sendable (docs/runbook.md: what the backfill can and
 *    cannot rebuild).
 *
 * Heap's property limits (values under 1024 characters) keep realistic events
 * far below the limit; step 3 takes hostile content (every property at its
 * limit in escaped control characters or 4-byte characters).
 */
import type {HeapEvent} from '../../shared/content-event.ts';
import {formatLogLine, type LogFields} from '../../shared/log.ts';

/** The most bytes (UTF-8) one log line may take. */
export const MAX_LOG_LINE_BYTES = 16 * 1024;
/** Warnings kept when the line is too long with all of them. */
export const MAX_WARNINGS_WHEN_LONG = 3;

const bytes = (line: string): number => Buffer.byteLength(line, 'utf8');

/** True when `line` carries `event` exactly as it was built. */
function carriesExactly(line: string, event: HeapEvent): boolean {
  try {
    return JSON.stringify((JSON.parse(line) as {heap_event?: unknown}).heap_event) === JSON.stringify(event);
  } catch {
    return false;
  }
}

/** The log line for `fields`, with `event` attached when it fits and survives redaction unchanged. */
export function formatFailedLine(
  fields: LogFields,
  event: HeapEvent | undefined,
  secrets: readonly (string | undefined)[],
): string {
  if (event === undefined) return formatLogLine(fields, secrets);
  const full = formatLogLine({...fields, heap_event: event}, secrets);
  if (!carriesExactly(full, event)) {
    return formatLogLine(
      {
        ...fields,
        heap_event_omitted:
          'the event contains a value the log redacts or cuts (a secret, or a string over 2000 characters): it could not be re-sent exactly',
      },
      secrets,
    );
  }
  if (bytes(full) <= MAX_LOG_LINE_BYTES) return full;

  const warnings = Array.isArray(fields.warnings) ? (fields.warnings as unknown[]) : [];
  const shrunk: LogFields = {...fields};
  delete shrunk.attempt_log;
  if (warnings.length > MAX_WARNINGS_WHEN_LONG) {
    shrunk.warnings = [
      ...warnings.slice(0, MAX_WARNINGS_WHEN_LONG),
      `… ${warnings.length - MAX_WARNINGS_WHEN_LONG} more warnings left out to keep the event in the line`,
    ];
  }
  const smaller = formatLogLine({...shrunk, heap_event: event}, secrets);
  if (bytes(smaller) <= MAX_LOG_LINE_BYTES) return smaller;

  return formatLogLine(
    {
      ...shrunk,
      heap_event_omitted: `the line with the event would take ${bytes(smaller)} bytes, over the ${MAX_LOG_LINE_BYTES}-byte limit`,
    },
    secrets,
  );
}
