/**
 * The example site in headless Chromium against a real Local Heap (strict mode):
 * the page's Heap snippet queues calls until the (held back) heap shim loads;
 * then single-page navigation between two articles, clicks, back, and home.
 * Local Heap must receive "Content Viewed" per article with the parity
 * properties, and every click must carry the context of the page it happened on.
 */
import type {Browser, Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type ExampleSite, startExampleSite} from '../../examples/web/serve.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {EVENTS} from '../../shared/tracking-plan.ts';
import {launchChromium} from '../helpers/browser.ts';
import {until as waitUntil} from '../helpers/until.ts';
import {
  contentOf,
  EXAMPLE_DOCS,
  exampleArticle,
  holdHeapShim,
  PLAN_KEYS,
  queuedUntilTrack,
} from './example-articles.ts';
import {expectedBrowserProperties} from './parity-helpers.ts';

const APP_ID = 'example-app-1234567';
const documents = EXAMPLE_DOCS;
const A = exampleArticle('field-guide');
const B = exampleArticle('release-notes');
const CLICK_KEYS = ['target_tag', 'target_id', 'target_text', 'path'];

let heap: LocalHeap;
let site: ExampleSite;
let browser: Browser;
let page: Page;
const siteLogs: string[] = [];
const pageProblems: string[] = [];

/** Waits for a condition; on timeout, says what Local Heap has instead. */
const until = <T>(what: string, probe: () => T | undefined): Promise<T> =>
  waitUntil(what, probe, {
    context: () =>
      `Local Heap has: ${JSON.stringify(
        heap
          .events()
          .map((e) => `${e.event} ${String(e.properties.content_id ?? '-')} ${String(e.properties.path ?? '')}`),
      )}; rejections: ${JSON.stringify(heap.rejections())}`,
  });

const named = (event: string) => heap.events().filter((e) => e.event === event);
const nth = (event: string, n: number, what = `${event} #${n + 1}`) => until(what, () => named(event)[n]);

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  site = await startExampleSite({port: 0, heapUrl: heap.url, appId: APP_ID, log: (line) => siteLogs.push(line)});
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') pageProblems.push(`${msg.type()}: ${msg.text()}`);
  });
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await heap?.close();
});

describe('example site in Chromium against Local Heap', () => {
  it('tracks views and carries the current article on clicks across SPA navigation', async () => {
    const [expectedA, expectedB] = await Promise.all([
      expectedBrowserProperties(A, documents),
      expectedBrowserProperties(B, documents),
    ]);
    expect(expectedA.content_id).toBe(A._id);
    expect(expectedB.content_id).toBe(B._id);

    // Hold heap.js (the shim) back, as a slow CDN would: the page's calls must wait in the snippet's queue.
    const release = await holdHeapShim(page);

    await page.goto(`${site.url}/articles/field-guide`, {waitUntil: 'domcontentloaded'});
    await page.waitForSelector('#like');
    expect(await queuedUntilTrack(page)).toEqual([
      ['clearEventProperties'],
      ['addEventProperties', expectedA],
      ['track', EVENTS.view, expectedA],
    ]);
    expect(named(EVENTS.view)).toEqual([]);

    release();
    const viewA = await nth(EVENTS.view, 0, 'Content Viewed for A');
    expect(viewA.properties).toEqual(expectedA);
    const firstPageview = await nth('Pageview', 0);
    expect(firstPageview.properties.path).toBe('/articles/field-guide');
    expect(contentOf(firstPageview)).toEqual(expectedA);

    // Same document from here on: a full reload would lose this marker.
    await page.evaluate(() => {
      (window as unknown as {spaMarker: string}).spaMarker = 'same document';
    });

    // SPA navigation to B through the "Next" link.
    await page.click('a.next');
    const viewB = await nth(EVENTS.view, 1, 'Content Viewed for B');
    expect(viewB.properties).toEqual(expectedB);
    await page.waitForFunction(() => document.body.dataset.route === '/articles/release-notes');
    const pageviewB = await until('Pageview of B', () =>
      named('Pageview').find((e) => e.properties.path === '/articles/release-notes'),
    );
    expect(contentOf(pageviewB)).toEqual(expectedB);
    // The click on the link happened on A's page, so it carries A.
    const linkClick = await nth('Click', 0, 'the click on the Next link');
    expect(linkClick.properties.target_tag).toBe('a');
    expect(contentOf(linkClick)).toEqual(expectedA);

    // The button on B: B's context, and nothing of A's left over (A has a campaign, B has none).
    await page.click('#like');
    const likeB = await nth('Click', 1, 'the click on Like on B');
    expect(likeB.properties.target_id).toBe('like');
    expect(contentOf(likeB)).toEqual(expectedB);
    expect(expectedA.campaign).toBeDefined();
    expect(likeB.properties).not.toHaveProperty('campaign');
    expect(
      Object.keys(likeB.properties)
        .filter((k) => !PLAN_KEYS.includes(k))
        .sort(),
    ).toEqual([...CLICK_KEYS].sort());

    // Back to A (popstate), then Like again: A's context again.
    await page.goBack();
    await nth(EVENTS.view, 2, 'Content Viewed for A after back');
    expect(named(EVENTS.view)[2]?.properties).toEqual(expectedA);
    await page.waitForFunction(() => document.body.dataset.route === '/articles/field-guide');
    await page.click('#like');
    const likeA = await nth('Click', 2, 'the click on Like on A');
    expect(contentOf(likeA)).toEqual(expectedA);

    // Home: the context is cleared, clicks carry no content.
    await page.click('nav a[href="/"]');
    await page.waitForFunction(() => document.body.dataset.route === '/');
    await page.click('h1');
    const homeClick = await nth('Click', 4, 'the click on the home heading');
    expect(homeClick.properties.path).toBe('/');
    expect(contentOf(homeClick)).toEqual({});

    expect(await page.evaluate(() => (window as unknown as {spaMarker?: string}).spaMarker)).toBe('same document');
    expect(named(EVENTS.view).map((e) => e.properties.content_id)).toEqual([A._id, B._id, A._id]);
    for (const e of heap.events()) {
      expect(e.app_id).toBe(APP_ID);
      expect(e.user_id).toMatch(/^\d+$/);
      expect(e.warnings).toEqual([]);
    }
    expect(heap.rejections()).toEqual([]);
    expect(pageProblems).toEqual([]);
    expect(siteLogs).toEqual([]);
  });
});
