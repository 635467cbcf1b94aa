/**
 * The Next.js App Router example (examples/next) in headless Chromium against
 * a real Local Heap (strict mode), its pages fetched with @sanity/client from
 * the Content Lake stand-in:
 *
 * - production (`next build` once per run, then `next start`): two articles by
 *   client-side navigation, back, forward, clicks, home: exactly one "Content
 *   Viewed" per page view with the right properties, and every click carrying
 *   the context of the page it happened on;
 * - development (`next dev`, where React's StrictMode runs every effect twice):
 *   the component sets the context twice but tracks the view once.
 *
 * The heap shim is held back on the first page, as a slow CDN would hold
 * heap.js, so the snippet's queue shows every call the component made.
 */
import type {Browser, Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {buildNextExample, type NextExample, startNextExample} from '../../examples/next/serve.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import type {HeapProperties} from '../../shared/normalize.ts';
import {EVENTS} from '../../shared/tracking-plan.ts';
import {launchChromium} from '../helpers/browser.ts';
import {until as waitUntil} from '../helpers/until.ts';
import {contentOf, EXAMPLE_DOCS, exampleArticle, holdHeapShim, queuedUntilTrack} from './example-articles.ts';
import {expectedBrowserProperties} from './parity-helpers.ts';

const documents = EXAMPLE_DOCS;
const A = exampleArticle('field-guide');
const B = exampleArticle('release-notes');

let heap: LocalHeap;
let browser: Browser;
let expectedA: HeapProperties;
let expectedB: HeapProperties;

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  browser = await launchChromium();
  [expectedA, expectedB] = await Promise.all([
    expectedBrowserProperties(A, documents),
    expectedBrowserProperties(B, documents),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await heap?.close();
});

/** One browsing session against `site`, its events told apart from other sessions' by `appId`. */
function session(site: NextExample, appId: string) {
  const mine = () => heap.events().filter((e) => e.app_id === appId);
  const named = (event: string) => mine().filter((e) => e.event === event);
  const until = <T>(what: string, probe: () => T | undefined): Promise<T> =>
    waitUntil(what, probe, {
      timeoutMs: 30_000,
      context: () =>
        `Local Heap has: ${JSON.stringify(mine().map((e) => `${e.event} ${String(e.properties.content_id ?? '-')}`))}; rejections: ${JSON.stringify(heap.rejections())}`,
    });
  const nth = (event: string, n: number, what: string) => until(what, () => named(event)[n]);
  return {site, appId, mine, named, until, nth};
}

/**
 * Opens article A with heap.js held back; returns the snippet's queue once the
 * view was tracked, then lets the shim load.
 */
async function openHeldBack(page: Page, url: string): Promise<unknown[][]> {
  const release = await holdHeapShim(page);
  await page.goto(url, {waitUntil: 'domcontentloaded', timeout: 180_000});
  const calls = await queuedUntilTrack(page, 180_000);
  release();
  return calls;
}

const routeIs = (page: Page, path: string, title: string) =>
  page.waitForFunction(
    ([p, t]) => location.pathname === p && document.querySelector('h1')?.textContent === t,
    [path, title] as const,
    {timeout: 60_000},
  );

describe('Next.js example, production build (next build + next start)', () => {
  let site: NextExample | undefined;
  const nextOutput: string[] = [];
  beforeAll(async () => {
    await buildNextExample({log: (line) => nextOutput.push(line)});
    site = await startNextExample({
      heapUrl: heap.url,
      appId: 'next-prod-1234',
      mode: 'start',
      log: (line) => nextOutput.push(line),
    });
  }, 900_000);
  afterAll(async () => {
    await site?.close();
  });

  it('sends one Content Viewed per view and the current article on every click, across soft navigation, back and forward', async () => {
    const s = session(site!, 'next-prod-1234');
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });

    // First render: the context, then the view, once each (production React runs effects once).
    const queued = await openHeldBack(page, `${s.site.url}/articles/field-guide`);
    expect(queued.filter((call) => call[0] !== 'load')).toEqual([
      ['clearEventProperties'],
      ['addEventProperties', expectedA],
      ['track', EVENTS.view, expectedA],
    ]);
    expect((await s.nth(EVENTS.view, 0, 'Content Viewed for A')).properties).toEqual(expectedA);
    await page.evaluate(() => {
      (window as unknown as {spaMarker: string}).spaMarker = 'same document';
    });

    // Soft navigation to B (same layout, same page component): B's view; the link click carries A.
    await page.click('a.next');
    await routeIs(page, '/articles/release-notes', String(B.title));
    expect((await s.nth(EVENTS.view, 1, 'Content Viewed for B')).properties).toEqual(expectedB);
    const linkClick = await s.nth('Click', 0, 'the click on the Next link');
    expect(linkClick.properties.target_tag).toBe('a');
    expect(contentOf(linkClick)).toEqual(expectedA);

    // A click on B carries B, and nothing of A's (A has a campaign, B has none).
    await page.click('#like');
    const likeB = await s.nth('Click', 1, 'the click on Like on B');
    expect(contentOf(likeB)).toEqual(expectedB);
    expect(expectedA.campaign).toBeDefined();
    expect(likeB.properties).not.toHaveProperty('campaign');

    // Back to A: a new view of A; a click there carries A.
    await page.goBack();
    await routeIs(page, '/articles/field-guide', String(A.title));
    expect((await s.nth(EVENTS.view, 2, 'Content Viewed for A after back')).properties).toEqual(expectedA);
    await page.click('#like');
    expect(contentOf(await s.nth('Click', 2, 'the click on Like on A'))).toEqual(expectedA);

    // Forward to B: a new view of B.
    await page.goForward();
    await routeIs(page, '/articles/release-notes', String(B.title));
    expect((await s.nth(EVENTS.view, 3, 'Content Viewed for B after forward')).properties).toEqual(expectedB);

    // Home: no content, so no context on its clicks.
    await page.click('nav a[href="/"]');
    await routeIs(page, '/', 'Articles');
    await page.click('h1');
    const homeClick = await s.until('the click on the home heading', () =>
      s.named('Click').find((e) => e.properties.path === '/'),
    );
    expect(contentOf(homeClick)).toEqual({});

    // The shim sends in order: every view the page made arrived before the home click.
    expect(await page.evaluate(() => (window as unknown as {spaMarker?: string}).spaMarker)).toBe('same document');
    expect(s.named(EVENTS.view).map((e) => e.properties.content_id)).toEqual([A._id, B._id, A._id, B._id]);
    for (const e of s.mine()) expect(e.warnings).toEqual([]);
    expect(heap.rejections()).toEqual([]);
    expect(problems).toEqual([]);
    expect(nextOutput.filter((line) => line.includes('example-next'))).toEqual([]);
    await page.close();
  }, 180_000);

  it('passes Heap rejections through its proxy, logged as one line without the app id', async () => {
    const before = nextOutput.length;
    // A server that echoes the app id back in its reason: the log line must still not contain it.
    heap.injectFault({count: 1, status: 400, body: 'invalid app_id next-prod-1234', path: '/api/track'});
    const rejected = await fetch(`${site!.url}/heap/api/track`, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({app_id: 'next-prod-1234', event: 'x', user_id: 'not-a-number', properties: {}}),
    });
    expect(rejected.status).toBe(400);
    const logged = await waitUntil('the proxy log line', () =>
      nextOutput.slice(before).find((line) => line.includes('"component":"example-next"')),
    );
    expect(JSON.parse(logged)).toMatchObject({msg: 'Local Heap rejected a browser event', status: 400});
    expect(logged).toContain('invalid app_id');
    expect(nextOutput.join('\n')).not.toContain('next-prod-1234');
    expect((await fetch(`${site!.url}/heap/api/other`, {method: 'POST', body: '{}'})).status).toBe(404);
  });
});

describe('Next.js example, development (next dev, React StrictMode)', () => {
  let site: NextExample | undefined;
  beforeAll(async () => {
    site = await startNextExample({heapUrl: heap.url, appId: 'next-dev-5678', mode: 'dev'});
  }, 180_000);
  afterAll(async () => {
    await site?.close();
  });

  it('runs the effect twice on mount but tracks each view once', async () => {
    const s = session(site!, 'next-dev-5678');
    const page = await browser.newPage();
    const queued = await openHeldBack(page, `${s.site.url}/articles/field-guide`);
    // StrictMode's replay is visible: the context is set twice (mount, cleanup, mount), the view tracked once.
    expect(queued.filter((call) => call[0] !== 'load')).toEqual([
      ['clearEventProperties'],
      ['addEventProperties', expectedA],
      ['track', EVENTS.view, expectedA],
      ['clearEventProperties'],
      ['clearEventProperties'],
      ['addEventProperties', expectedA],
    ]);
    await s.nth(EVENTS.view, 0, 'Content Viewed for A');

    await page.click('a.next');
    await routeIs(page, '/articles/release-notes', String(B.title));
    await s.nth(EVENTS.view, 1, 'Content Viewed for B');
    await page.goBack();
    await routeIs(page, '/articles/field-guide', String(A.title));
    await s.nth(EVENTS.view, 2, 'Content Viewed for A after back');
    await page.click('#like');
    const like = await s.nth('Click', 1, 'the click on Like on A');
    expect(contentOf(like)).toEqual(expectedA);
    expect(s.named(EVENTS.view).map((e) => e.properties.content_id)).toEqual([A._id, B._id, A._id]);
    await page.close();
  }, 300_000);
});
