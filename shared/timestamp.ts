/**
 * Timestamps as Heap takes them: ISO 8601 with a zone. Date.parse alone also accepts
 * "1", RFC 1123 dates and years past 9999, and rolls 2025-02-31 over to March 3rd,
 * so the function (`_updatedAt`) and the backfill (`published_at`, `_createdAt`, `--since`)
 * check through this one parser.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

/**
 * A timestamp Heap will accept, from an ISO 8601 date or date-time with a
 * zone, in canonical UTC form; undefined for anything else (no zone, an
 * impossible date such as February 30th, a year beyond 9999).
 */
export function isoTimestamp(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = ISO.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  const ms = Date.parse(h === undefined ? `${y}-${mo}-${d}T00:00:00Z` : value.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** True for what isoTimestamp accepts; the value can then be sent as it is. */
export function isIsoTimestamp(value: unknown): value is string {
  return isoTimestamp(value) !== undefined;
}
