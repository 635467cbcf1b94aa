/**
 * What the example-site tests (plain SPA and Next.js) share: the two example
 * articles, and the plan properties found on a stored event.
 */
import type {Page} from 'playwright-core';
import {EXAMPLE_DOCUMENTS} from '../../examples/web/content.ts';
import type {StoredEvent} from '../../local-heap/server.ts';
import type {HeapProperties} from '../../shared/normalize.ts';
import {BROWSER_PROPERTIES} from '../../shared/tracking-plan.ts';
import type {Doc} from './parity-helpers.ts';

export const EXAMPLE_DOCS = EXAMPLE_DOCUMENTS as readonly Doc[];

export function exampleArticle(slug: string): Doc {
  const doc = EXAMPLE_DOCS.find(
    (d) => d._type === 'article' && (d.slug as {current?: string} | undefined)?.current === slug,
  );
  if (!doc) throw new Error(`no example article ${slug}`);
  return doc;
}

export const PLAN_KEYS: readonly string[] = BROWSER_PROPERTIES.map((p) => p.name);

/** The plan properties on a stored event (what the content context put there). */
export const contentOf = (e: StoredEvent | undefined): HeapProperties =>
  Object.fromEntries(Object.entries(e?.properties ?? {}).filter(([k]) => PLAN_KEYS.includes(k)));

/**
 * Holds the page's heap.js (the shim) back, as a slow CDN would, so the
 * page's calls wait in the snippet's queue; returns the function that lets it load.
 */
export async function holdHeapShim(page: Page): Promise<() => void> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/heap-shim.js', async (route) => {
    await released;
    await route.continue();
  });
  return release;
}

/** The snippet's queue (`[method, ...args]` per call) once it holds a `track` call. */
export async function queuedUntilTrack(page: Page, timeout = 30_000): Promise<unknown[][]> {
  const queued = await page.waitForFunction(
    () => {
      const q = (window as unknown as {heap: unknown}).heap;
      return Array.isArray(q) && q.some((call) => call[0] === 'track') ? JSON.parse(JSON.stringify([...q])) : false;
    },
    undefined,
    {timeout},
  );
  return (await queued.jsonValue()) as unknown[][];
}
