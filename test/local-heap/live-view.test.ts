import http from 'node:http';
import type {AddressInfo} from 'node:net';
import type {Browser, Page} from 'playwright-core';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {launchChromium} from '../helpers/browser.ts';
import {single, track} from './http.ts';

let heap: LocalHeap;
let browser: Browser;
let page: Page;
const requests: string[] = [];

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, rateLimits: false});
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('request', (r) => requests.push(r.url()));
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await heap?.close();
});

const row = (event: string, contentId: string, kind = 'event'): string =>
  `li.row[data-kind="${kind}"][data-event="${event}"][data-content-id="${contentId}"]`;

describe('live view at / in headless Chromium', () => {
  it('shows events as they arrive, without reload, with every property, warnings and duplicates marked; filters hide rows', async () => {
    // One event before the page opens: it comes with the snapshot.
    await track(heap.url, single({properties: {content_id: 'before-open', title: 'Earlier'}}));
    await page.goto(`${heap.url}/`);
    await page.waitForSelector('#status[data-state="open"]');
    await page.waitForSelector(row('Content Published', 'before-open'));
    const navigations = requests.filter((u) => u === `${heap.url}/`).length;

    await track(
      heap.url,
      single({
        event: 'Content Published',
        timestamp: '2024-11-28T10:00:00Z',
        idempotency_key: 'post-42@r1',
        properties: {content_id: 'post-42', title: 'Hello <b>world</b>', word_count: 1200, tags: ['news', 'tech']},
      }),
    );
    const published = page.locator(row('Content Published', 'post-42'));
    await published.waitFor();
    await expect.poll(() => published.locator('tr[data-key="title"] td').textContent()).toBe('Hello <b>world</b>');
    expect(await published.locator('tr[data-key="word_count"] td').textContent()).toBe('1200');
    expect(await published.locator('tr[data-key="tags"] td').textContent()).toBe('news||tech');
    expect(await published.locator('tr[data-key="content_id"] td').textContent()).toBe('post-42');
    const text = (await published.textContent()) ?? '';
    expect(text).toContain('system:sanity-content');
    expect(text).toContain('2024-11-28T10:00:00Z');
    expect(await published.locator('ul.warnings li').allTextContents()).toEqual([
      'properties.tags: array of 2 joined with "||"',
    ]);
    expect(text).not.toContain('1234567890'); // app_id shown by its last 4 characters only

    // A duplicate appears, marked.
    await track(
      heap.url,
      single({event: 'Content Published', idempotency_key: 'post-42@r1', properties: {content_id: 'post-42'}}),
    );
    const duplicate = page.locator(row('Content Published', 'post-42', 'duplicate'));
    await duplicate.waitFor();
    expect(await duplicate.locator('.badge.dup').textContent()).toBe('duplicate');

    await track(heap.url, single({event: 'Content Deleted', properties: {content_id: 'post-7'}}));
    const deleted = page.locator(row('Content Deleted', 'post-7'));
    await deleted.waitFor();

    // Filter by event name.
    await page.fill('#filter-event', 'deleted');
    await expect.poll(() => published.isVisible()).toBe(false);
    expect(await deleted.isVisible()).toBe(true);
    // Filter by content_id.
    await page.fill('#filter-event', '');
    await page.fill('#filter-content-id', 'post-42');
    await expect.poll(() => deleted.isVisible()).toBe(false);
    expect(await published.isVisible()).toBe(true);
    // New events that do not match arrive hidden.
    await track(heap.url, single({event: 'Content Updated', properties: {content_id: 'post-99'}}));
    const updated = page.locator(row('Content Updated', 'post-99'));
    await updated.waitFor({state: 'attached'});
    expect(await updated.isVisible()).toBe(false);
    await page.fill('#filter-content-id', '');
    await expect.poll(() => updated.isVisible()).toBe(true);

    // A rejected request is listed, and the page never reloaded.
    await track(heap.url, single({identity: ''}));
    await expect.poll(() => page.locator('#rejections li').first().textContent()).toContain('identity: empty');
    expect(requests.filter((u) => u === `${heap.url}/`).length).toBe(navigations);
    // No asset from anywhere but Local Heap.
    expect(requests.every((u) => u.startsWith(heap.url))).toBe(true);

    // reset() clears the page.
    heap.reset();
    await expect.poll(() => page.locator('li.row').count()).toBe(0);
  }, 30_000);

  it('its own Clear all button works (same origin, application/json)', async () => {
    await track(heap.url, single({properties: {content_id: 'to-clear'}}));
    await page.goto(`${heap.url}/`);
    await page.waitForSelector(row('Content Published', 'to-clear'));
    page.once('dialog', (dialog) => dialog.accept());
    const answer = page.waitForResponse((r) => r.url() === `${heap.url}/api/local/events`);
    await page.click('#clear');
    expect((await answer).status()).toBe(200);
    await expect.poll(() => page.locator('li.row').count()).toBe(0);
    expect(heap.events()).toEqual([]);
  }, 30_000);

  it('a page on another localhost port cannot queue faults or reset it', async () => {
    const other = http.createServer((_req, res) => {
      res.writeHead(200, {'content-type': 'text/html'});
      res.end('<!doctype html><title>another local app</title>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      await track(heap.url, single({properties: {content_id: 'keep-me'}}));
      await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      const target = heap.url;
      // What such a page can send without a CORS preflight: text/plain POSTs (no-cors).
      const statuses = await page.evaluate(async (url) => {
        const sent = [
          fetch(`${url}/api/local/faults`, {method: 'POST', mode: 'no-cors', body: '{"status": 400, "count": 5}'}),
          fetch(`${url}/api/local/faults`, {
            method: 'POST',
            mode: 'no-cors',
            headers: {'content-type': 'text/plain'},
            body: '{"reset": true}',
          }),
        ];
        const results = await Promise.allSettled(sent);
        return results.map((r) => r.status);
      }, target);
      expect(statuses).toEqual(['fulfilled', 'fulfilled']); // opaque answers: the page learns nothing
      expect(heap.faults()).toEqual([]);
      expect((await track(heap.url, single())).status).toBe(200);
      expect(heap.events().map((e) => e.properties.content_id)).toEqual(['keep-me', 'post-1']);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  }, 30_000);
});
