/**
 * The Next.js example's once-per-view rule (shared/view-once.ts),
 * driven the way React drives an effect: StrictMode's replay (leave + enter in
 * one synchronous pass) is not a view; a real unmount and mount in a later task,
 * and a change of view, are.
 */
import {describe, expect, it} from 'vitest';
import {createViewOnce} from '../../shared/view-once.ts';

/** A deferred-task queue the test runs by hand: "a later task". */
function tasks() {
  const queue: (() => void)[] = [];
  return {
    defer: (task: () => void) => queue.push(task),
    run: () => {
      for (const task of queue.splice(0)) task();
    },
  };
}

describe('createViewOnce', () => {
  it('counts the first mount, not StrictMode replaying it', () => {
    const t = tasks();
    const once = createViewOnce(t.defer);
    expect(once.enter('a /articles/a')).toBe(true);
    once.leave();
    expect(once.enter('a /articles/a')).toBe(false);
  });

  it('counts the same view again after a real unmount (back/forward, a re-shown page)', () => {
    const t = tasks();
    const once = createViewOnce(t.defer);
    expect(once.enter('a /articles/a')).toBe(true);
    once.leave();
    t.run();
    expect(once.enter('a /articles/a')).toBe(true);
  });

  it('counts a different view at once, even in the same pass (two pages of one layout)', () => {
    const t = tasks();
    const once = createViewOnce(t.defer);
    expect(once.enter('a /articles/a')).toBe(true);
    once.leave();
    expect(once.enter('b /articles/b')).toBe(true);
    t.run();
    once.leave();
    expect(once.enter('b /articles/b')).toBe(false);
  });

  it('defers with queueMicrotask by default', async () => {
    const once = createViewOnce();
    expect(once.enter('v')).toBe(true);
    once.leave();
    await Promise.resolve();
    expect(once.enter('v')).toBe(true);
  });
});
