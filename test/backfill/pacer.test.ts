import {describe, expect, it} from 'vitest';
import {
  type Clock,
  heapPacer,
  Pacer,
  pacedRatePerMs,
  SlidingWindow,
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

/** A seeded generator, so a failing run can be replayed. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** One request: paced out at `start`, answered at `end`; Heap counted it at some moment in between. */
type Send = {start: number; end: number; n: number};
type Arrival = {at: number; n: number};

/** The most events in any window of `windowMs` (half-open, as a sliding-window server counts): one window ending at every arrival. */
function busiestWindow(arrivals: readonly Arrival[], windowMs: number): number {
  const sorted = [...arrivals].sort((a, b) => a.at - b.at);
  let worst = 0;
  for (let i = 0, j = 0, sum = 0; j < sorted.length; j++) {
    sum += sorted[j]!.n;
    while (sorted[i]!.at <= sorted[j]!.at - windowMs) sum -= sorted[i++]!.n;
    worst = Math.max(worst, sum);
  }
  return worst;
}

/** Where Heap may have counted each request: at its start, at its answer, or anywhere between. */
function arrivalModels(sends: readonly Send[], random: () => number): Record<string, Arrival[]> {
  return {
    'at the start': sends.map((s) => ({at: s.start, n: s.n})),
    'at the answer': sends.map((s) => ({at: s.end, n: s.n})),
    'in between': sends.map((s) => ({at: s.start + random() * (s.end - s.start), n: s.n})),
  };
}

/** A sequential sender like the backfill's: take, request (`requestMs`), settle, repeat. */
async function sendAll(
  pacer: ReturnType<typeof heapPacer>,
  clock: Clock & {t: number},
  next: () => {n: number; requestMs: number; pauseMs?: number} | undefined,
): Promise<Send[]> {
  const sends: Send[] = [];
  for (let step = next(); step; step = next()) {
    await pacer.take(step.n);
    const start = clock.t;
    clock.t += step.requestMs;
    pacer.settle();
    sends.push({start, end: clock.t, n: step.n});
    clock.t += step.pauseMs ?? 0;
  }
  return sends;
}

/** Steady rate: events after the first request per ms between the first and the last (start-up excluded). */
function steadyPerMs(sends: readonly Send[]): number {
  const after = sends.slice(1).reduce((a, s) => a + s.n, 0);
  return after / (sends.at(-1)!.start - sends[0]!.start);
}

describe('SlidingWindow', () => {
  it('lets `limit` through per window, counting each take from its answer', () => {
    const clock = fakeClock();
    const w = new SlidingWindow({limit: 10, windowMs: 100, now: clock.now});
    expect(w.tryTake(6)).toBe(true);
    clock.t = 30;
    w.settle(); // the 6 were answered at 30: they count until 130
    clock.t = 40;
    expect(w.tryTake(4)).toBe(true);
    w.settle();
    expect(w.waitMs(1)).toBe(90);
    expect(w.tryTake(1)).toBe(false);
    clock.t = 130;
    expect(w.used()).toBe(4);
    expect(w.waitMs(7)).toBe(10); // needs the 4 answered at 40 gone too
    expect(w.tryTake(6)).toBe(true);
    // Never settled (no request made): it leaves after two windows.
    clock.t = 329;
    expect(w.used()).toBe(6);
    clock.t = 330;
    expect(w.used()).toBe(0);
    expect(() => w.waitMs(11)).toThrow(RangeError);
  });
});

describe('heapPacer', () => {
  const {events: limit, windowMs} = RATE_LIMITS.bulkPerIdentity;
  const ceilingPerMs = limit / windowMs;

  for (const timeScale of [1, 0.01]) {
    it(`never lets any of Heap's windows hold more than its per-identity limit (time scale ${timeScale}): uneven batches, request times and pauses`, async () => {
      const clock = fakeClock(1_000);
      const pacer = heapPacer({batchSize: 100, timeScale, clock});
      const random = seeded(42);
      // A greedy sender for 30 minutes of Heap's time: uneven batches (page ends, bisection), requests
      // from 0 to 10 s of Heap's time, and now and then a pause (a slow page read) that fills the buckets.
      const endAt = 1_000 + 1_800_000 * timeScale;
      const sends = await sendAll(pacer, clock, () =>
        clock.t >= endAt
          ? undefined
          : {
              n: random() < 0.5 ? 100 : 1 + Math.floor(random() * 100),
              requestMs: Math.floor(random() * random() * 10_000 * timeScale),
              pauseMs: random() < 0.02 ? Math.floor(random() * 20_000 * timeScale) : 0,
            },
      );
      expect(sends.length).toBeGreaterThan(300);
      for (const [model, arrivals] of Object.entries(arrivalModels(sends, random))) {
        expect(busiestWindow(arrivals, windowMs * timeScale), `Heap counted ${model}`).toBeLessThanOrEqual(limit);
      }
      // Close to the limit, not far under it.
      expect(busiestWindow(arrivalModels(sends, random)['at the answer']!, windowMs * timeScale)).toBeGreaterThan(
        limit * 0.9,
      );
    });
  }

  it('paces full batches at ≥ 95% of the ceiling in steady state (start-up excluded), never above it', async () => {
    // Each request is answered after 500 ms of Heap's time (5 ms on the benchmark's 100x shorter windows).
    for (const timeScale of [1, 0.01]) {
      const clock = fakeClock(5_000);
      const pacer = heapPacer({batchSize: 100, timeScale, clock});
      let count = 0;
      const sends = await sendAll(pacer, clock, () =>
        count++ < 500 ? {n: 100, requestMs: 500 * timeScale} : undefined,
      );
      const ceiling = ceilingPerMs / timeScale;
      const steady = steadyPerMs(sends);
      expect(steady / ceiling, `timeScale ${timeScale}`).toBeGreaterThanOrEqual(0.95);
      expect(steady / ceiling, `timeScale ${timeScale}`).toBeLessThan(1);
      expect(pacer.ratePerMs / ceiling).toBeGreaterThanOrEqual(0.95);
      for (const arrivals of Object.values(arrivalModels(sends, seeded(1)))) {
        expect(busiestWindow(arrivals, windowMs * timeScale)).toBeLessThanOrEqual(limit);
      }
    }
  });

  it('the time scale shortens the windows (Local Heap’s rateLimits.timeScale)', () => {
    const normal = heapPacer({batchSize: 100, clock: fakeClock()});
    const fast = heapPacer({batchSize: 100, timeScale: 0.01, clock: fakeClock()});
    // 1000 events per 60 s window plus 1% slack: 990 a minute.
    expect(normal.ratePerMs).toBeCloseTo(1000 / (60_000 * (1 + WINDOW_SLACK)), 12);
    expect(normal.ratePerMs * 60_000).toBeCloseTo(990.1, 1);
    // 100x shorter windows, the same share.
    expect(fast.ratePerMs).toBeCloseTo(1000 / 606, 12);
    expect(pacedRatePerMs(15_000, 60_000)).toBeCloseTo(15_000 / 60_600, 12);
    expect(() => heapPacer({batchSize: 100, timeScale: 0})).toThrow(/timeScale/);
    expect(() => heapPacer({batchSize: 1001})).toThrow(/never fit/);
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
