/**
 * Timestamps as Heap takes them: ISO 8601 with a zone. Date.parse alone also accepts
 * "1", RFC 1123 dates and years past 9999, and rolls 2025-02-31 over to March 3rd,
 * so the function (`_updatedAt`, `published_at`) and the backfill (`published_at`,
 * `_createdAt`, `--since`) check through this one parser. Small: the browser bundle has it.
 */

/** A date, or a date-time with hours 00-23, minutes and seconds 00-59 and a zone; groups: date, day, time. */
const ISO = /^(\d{4}-\d\d-(\d\d))(T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d))?$/;

/**
 * A timestamp Heap will accept, from an ISO 8601 date or date-time with a
 * zone, in canonical UTC form (`toISOString()` of the parsed instant: send
 * this, never the value as it came, which may carry whitespace or an offset);
 * undefined for anything else (no zone, an impossible date such as
 * February 30th, a year beyond 9999).
 */
export function isoTimestamp(value: unknown): string | undefined {
  const v = typeof value === 'string' ? value.trim() : '';
  const m = ISO.exec(v);
  // A date alone is UTC midnight. A day past the month's end rolls over (February 31st → March 3rd): it must survive parsing.
  if (!m || new Date(m[1] as string).getUTCDate() !== +(m[2] as string)) return undefined;
  return new Date(m[3] ? v : (m[1] as string)).toISOString();
}
