import {describe, expect, it} from 'vitest';
import {
  type Clock,
  heapPacer,
  MIN_SLACK_MS,
  Pacer,
  safeRatePerMs,
  TokenBucket,
  WINDOW_SLACK,
} from '../../backfill/pacer.ts';
import {RATE_LIMITS} from '../../shared/heap-rules.ts';

function fakeClock(start = 0): Clock & {t: number} {
  const clock = {
    t: start,
    now: () => clock.t,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      clock.t += ms;
    },
  };
  return clock;
}

describe('TokenBucket', () => {
  it('starts empty, refills at its rate, never above capacity', () => {
    const clock = fakeClock();
    const b = new TokenBucket({capacity: 100, ratePerMs: 0.5, now: clock.now});
    expect(b.available()).toBe(0);
    expect(b.waitMs(50)).toBe(100);
    clock.t = 100;
    expect(b.available()).toBe(50);
    expect(b.tryTake(50)).toBe(true);
    expect(b.tryTake(1)).toBe(false);
    clock.t = 10_000;
    expect(b.available()).toBe(100);
    b.drain();
    expect(b.available()).toBe(0);
  });

  it('refuses takes larger than its capacity and bad settings', () => {
    const clock = fakeClock();
    const b = new TokenBucket({capacity: 10, ratePerMs: 1, now: clock.now});
    expect(() => b.waitMs(11)).toThrow(RangeError);
    expect(() => new TokenBucket({capacity: 0, ratePerMs: 1, now: clock.now})).toThrow(/capacity/);
    expect(() => new TokenBucket({capacity: 1, ratePerMs: Number.NaN, now: clock.now})).toThrow(/ratePerMs/);
  });
});

describe('heapPacer', () => {
  it('keeps every sliding window under Heap’s per-identity limit while sending close to it', async () => {
    const clock = fakeClock(1_000);
    const batch = 100;
    const pacer = heapPacer({batchSize: batch, clock});
    const sends: {at: number; n: number}[] = [];
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    // A greedy sender with uneven batches (bisection sends smaller ones), for ten minutes.
    while (clock.t < 1_000 + 600_000) {
      const n = 1 + Math.floor(random() * batch);
      await pacer.take(n);
      sends.push({at: clock.t, n});
      clock.t += Math.floor(random() * 50); // request time
    }
    const {events: limit, windowMs} = RATE_LIMITS.bulkPerIdentity;
    let worst = 0;
    for (let i = 0, j = 0, sum = 0; j < sends.length; j++) {
      sum += sends[j]!.n;
      // Heap's window, plus the slack the pacer promises for latency between our clock and Heap's.
      while (sends[i]!.at <= sends[j]!.at - windowMs * (1 + WINDOW_SLACK)) sum -= sends[i++]!.n;
      worst = Math.max(worst, sum);
    }
    expect(worst).toBeLessThanOrEqual(limit);
    const total = sends.reduce((a, s) => a + s.n, 0);
    const perMinute = total / 10;
    expect(perMinute).toBeGreaterThan(limit * 0.8);
    expect(perMinute).toBeLessThanOrEqual(limit);
  });

  it('the time scale shortens the windows (Local Heap’s rateLimits.timeScale)', () => {
    const normal = heapPacer({batchSize: 100, clock: fakeClock()});
    const fast = heapPacer({batchSize: 100, timeScale: 0.01, clock: fakeClock()});
    // (1000 − 100) events per 60 s window plus 5% slack: about 857 a minute.
    expect(normal.ratePerMs).toBeCloseTo(900 / 63_000, 12);
    // 100x shorter windows; the slack keeps its floor of MIN_SLACK_MS of real time.
    expect(fast.ratePerMs).toBeCloseTo(900 / (600 + MIN_SLACK_MS), 12);
    expect(safeRatePerMs(15_000, 60_000, 100)).toBeCloseTo(14_900 / 63_000, 12);
    expect(() => heapPacer({batchSize: 100, timeScale: 0})).toThrow(/timeScale/);
    expect(() => heapPacer({batchSize: 1000})).toThrow(/no room/);
  });

  it('a 429 drains the budget: the next batch waits a full refill', async () => {
    const clock = fakeClock();
    const pacer = heapPacer({batchSize: 100, clock});
    clock.t = 600_000;
    expect(pacer.waitMs(100)).toBe(0);
    pacer.drain();
    expect(pacer.waitMs(100)).toBe(Math.ceil(100 / pacer.ratePerMs));
  });

  it('stops waiting when the signal aborts, taking nothing', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({capacity: 10, ratePerMs: 0.001, now: clock.now});
    const pacer = new Pacer([bucket], clock);
    const controller = new AbortController();
    controller.abort(new Error('SIGINT'));
    await expect(pacer.take(5, controller.signal)).rejects.toThrow('SIGINT');
    await expect(pacer.take(11)).rejects.toThrow(RangeError);
    await expect(pacer.take(0)).rejects.toThrow(RangeError);
  });
});
