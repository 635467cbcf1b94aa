/**
 * The example site's server over HTTP, without a browser: its pages, its content
 * API (groq-js with CONTENT_VIEW_PROJECTION), its proxy to Local Heap, and bad input.
 */
import http from 'node:http';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {EXAMPLE_DOCUMENTS} from '../../examples/web/content.ts';
import {type ExampleSite, startExampleSite} from '../../examples/web/serve.ts';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {contentProperties} from '../../shared/browser.ts';
import {type Doc, expectedBrowserProperties} from './parity-helpers.ts';

const APP_ID = 'serve-test-app-98765';
let heap: LocalHeap;
let site: ExampleSite;
const logs: string[] = [];

beforeAll(async () => {
  heap = await startLocalHeap({port: 0, strict: true});
  site = await startExampleSite({port: 0, heapUrl: heap.url, appId: APP_ID, log: (l) => logs.push(l)});
});
afterAll(async () => {
  await site?.close();
  await heap?.close();
});

describe('startExampleSite', () => {
  it('serves the SPA shell on both routes, with the app id in the snippet, escaped', async () => {
    for (const path of ['/', '/articles/field-guide']) {
      const res = await fetch(`${site.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toContain(`heap.load(${JSON.stringify(APP_ID)}`);
    }
    const tricky = await startExampleSite({port: 0, heapUrl: heap.url, appId: "</script><script>alert(1)</script>$'"});
    try {
      const html = await (await fetch(tricky.url)).text();
      expect(html).not.toContain('</script><script>alert(1)');
      expect(html).toContain('heap.load("\\u003c/script>\\u003cscript>alert(1)\\u003c/script>$\'"');
    } finally {
      await tricky.close();
    }
  });

  it('serves the bundled module and the shim as JavaScript', async () => {
    for (const path of ['/sanity-heap.js', '/heap-shim.js', '/app.js']) {
      const res = await fetch(`${site.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    }
    expect(await (await fetch(`${site.url}/sanity-heap.js`)).text()).toContain('Content Viewed');
  });

  it('answers article queries with the analytics fields of the page projection', async () => {
    const list = (await (await fetch(`${site.url}/api/articles`)).json()) as {slug: string}[];
    expect(list.map((a) => a.slug)).toEqual(['field-guide', 'release-notes']);
    const article = (await (await fetch(`${site.url}/api/articles/field-guide`)).json()) as {
      analytics: unknown;
      paragraphs: string[];
    };
    expect(article.paragraphs.length).toBe(2);
    const doc = EXAMPLE_DOCUMENTS.find((d) => d._id === 'article-field-guide') as Doc;
    expect(contentProperties(article.analytics)).toEqual(await expectedBrowserProperties(doc, EXAMPLE_DOCUMENTS));
  });

  it('rejects bad slugs and unknown paths', async () => {
    expect((await fetch(`${site.url}/api/articles/%3Cscript%3E`)).status).toBe(400);
    expect((await fetch(`${site.url}/api/articles/no-such-article`)).status).toBe(404);
    expect((await fetch(`${site.url}/etc/passwd`)).status).toBe(404);
    expect((await fetch(`${site.url}/heap/api/track`)).status).toBe(404);
    expect((await fetch(`${site.url}/`, {method: 'PUT'})).status).toBe(405);
  });

  it('proxies the shim to Local Heap and passes its answers through', async () => {
    const post = (body: unknown) =>
      fetch(`${site.url}/heap/api/track`, {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify(body),
      });
    const ok = await post({app_id: APP_ID, user_id: '42', event: 'Content Viewed', properties: {content_id: 'x'}});
    expect(ok.status).toBe(200);
    expect(heap.events().at(-1)).toMatchObject({event: 'Content Viewed', user_id: '42', properties: {content_id: 'x'}});
    const bad = await post({app_id: APP_ID, user_id: '42', event: 'x', properties: []});
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/properties/);
    expect(logs.length).toBe(1);
    expect(JSON.parse(logs[0] ?? '{}')).toMatchObject({
      level: 'warn',
      msg: 'Local Heap rejected a browser event',
      status: 400,
    });
    expect(logs[0]).not.toContain(APP_ID);
    const huge = await post({app_id: APP_ID, user_id: '42', event: 'x', properties: {big: 'x'.repeat(70_000)}});
    expect(huge.status).toBe(413);
  });

  it('answers 502 with one JSON log line when Local Heap is unreachable', async () => {
    // A port that was just free: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const {port} = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r));
    const lines: string[] = [];
    const down = await startExampleSite({
      port: 0,
      heapUrl: `http://127.0.0.1:${port}`,
      appId: APP_ID,
      log: (l) => lines.push(l),
    });
    try {
      const res = await fetch(`${down.url}/heap/api/track`, {method: 'POST', body: '{}'});
      expect(res.status).toBe(502);
      expect(lines.length).toBe(1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        level: 'error',
        msg: 'Local Heap unreachable',
        component: 'example-site',
      });
      expect(lines[0]).not.toContain(APP_ID);
    } finally {
      await down.close();
    }
  });

  it.each([
    [{heapUrl: 'not a url', appId: APP_ID}, /heapUrl is not a URL/],
    [{heapUrl: 'ftp://127.0.0.1', appId: APP_ID}, /heapUrl must be http\(s\)/],
    [{heapUrl: 'http://127.0.0.1:4300', appId: ' '}, /appId must be a non-empty string/],
  ])('refuses bad options %j', async (options, message) => {
    await expect(startExampleSite(options)).rejects.toThrow(message);
  });
});
