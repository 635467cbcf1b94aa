import {describe, expect, it} from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  decideRetry,
  isRetryableStatus,
  parseRetryAfter,
  RETRYABLE_STATUSES,
  type RetryPolicy,
  retryDelay,
} from '../../shared/retry-policy.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0); // a whole second
const half = (): number => 0.5;

describe('the status table', () => {
  it('retries 408, 429 and every 5xx but 501, and nothing else', () => {
    const retried = [];
    for (let s = 100; s < 600; s++) if (isRetryableStatus(s)) retried.push(s);
    expect(retried).toEqual([408, 429, 500, ...Array.from({length: 98}, (_, i) => 502 + i)]);
    expect(RETRYABLE_STATUSES.size).toBe(retried.length);
  });

  it.each([200, 204, 301, 400, 401, 403, 404, 409, 413, 422, 423, 501])('%i is final', (s) => {
    expect(isRetryableStatus(s)).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120_000],
    [' 3 ', 3_000],
    ['0', 0],
    ['1.5', 1_500],
    ['-5', 0],
  ])('delta-seconds %j → %i ms', (v, ms) => {
    expect(parseRetryAfter(v, NOW)).toBe(ms);
  });

  it('reads an IMF-fixdate relative to now', () => {
    expect(parseRetryAfter(new Date(NOW + 7_000).toUTCString(), NOW)).toBe(7_000);
    expect(parseRetryAfter('Wed, 15 Jan 2025 12:00:30 GMT', NOW)).toBe(30_000);
  });

  it('reads the obsolete RFC 850 and asctime forms as GMT', () => {
    expect(parseRetryAfter('Wednesday, 15-Jan-25 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter('Wed Jan 15 12:00:10 2025', NOW)).toBe(10_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0);
  });

  it.each([
    null,
    '',
    '   ',
    'soon',
    'Nov 5',
    '12abc',
    '1e3',
    'Wed, 15 Jan 2025',
    '2025-01-15T12:00:30Z',
    'Wed, 45 Foo 2025 12:00:30 GMT',
  ])('invalid %j → undefined', (v) => {
    expect(parseRetryAfter(v, NOW)).toBeUndefined();
  });
});

describe('backoffDelay (full jitter)', () => {
  it('doubles the ceiling per attempt up to maxDelayMs: random 0.5 halves it', () => {
    const delays = Array.from({length: 8}, (_, i) => backoffDelay(i, half));
    expect(delays).toEqual([125, 250, 500, 1000, 2000, 4000, 4000, 4000]);
  });

  it('spans 0 to the ceiling', () => {
    const policy: RetryPolicy = {baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 5};
    expect(backoffDelay(0, () => 0, policy)).toBe(0);
    expect(backoffDelay(3, () => 0.999999, policy)).toBe(799);
    expect(backoffDelay(3, () => 1, policy)).toBe(800);
    expect(backoffDelay(9, () => 1, policy)).toBe(1000);
  });

  it('stays finite for huge attempt numbers and clamps a bad random', () => {
    expect(backoffDelay(5000, half)).toBe(DEFAULT_RETRY_POLICY.maxDelayMs / 2);
    expect(backoffDelay(1, () => 7)).toBe(500);
    expect(backoffDelay(1, () => -1)).toBe(0);
  });

  it('uses the defaults the docs describe', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({baseDelayMs: 250, maxDelayMs: 8_000, maxAttempts: 8});
  });
});

describe('retryDelay: Retry-After is a minimum', () => {
  it('takes Retry-After when it is longer than the jitter', () => {
    expect(retryDelay(0, half, DEFAULT_RETRY_POLICY, 3_000)).toBe(3_000);
  });
  it('takes the jitter when it is longer than Retry-After', () => {
    expect(retryDelay(4, half, DEFAULT_RETRY_POLICY, 1_000)).toBe(2_000);
  });
  it('is the jitter without Retry-After', () => {
    expect(retryDelay(2, half)).toBe(500);
  });
});

describe('decideRetry', () => {
  const base = {nowMs: NOW, deadlineAtMs: NOW + 10_000, random: half};

  it('retries after the jittered delay while attempts and time remain', () => {
    expect(decideRetry({...base, attempts: 1})).toEqual({retry: true, delayMs: 125});
    expect(decideRetry({...base, attempts: 3})).toEqual({retry: true, delayMs: 500});
  });

  it('stops when the attempts are used up', () => {
    expect(decideRetry({...base, attempts: DEFAULT_RETRY_POLICY.maxAttempts})).toEqual({retry: false, why: 'attempts'});
  });

  it('never schedules an attempt that could not start before the deadline', () => {
    expect(decideRetry({...base, attempts: 1, deadlineAtMs: NOW + 126})).toEqual({retry: true, delayMs: 125});
    expect(decideRetry({...base, attempts: 1, deadlineAtMs: NOW + 125})).toEqual({
      retry: false,
      why: 'deadline',
      delayMs: 125,
    });
    expect(decideRetry({...base, attempts: 1, retryAfterMs: 10_000})).toEqual({
      retry: false,
      why: 'deadline',
      delayMs: 10_000,
    });
  });
});
