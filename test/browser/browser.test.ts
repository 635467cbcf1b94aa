/**
 * The browser module against fake `heap` objects: the snippet's queue before
 * heap.js loads, heap.js once loaded, no heap at all, and the cookie budget.
 */
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest';
import type {ContextResult} from '../../shared/browser.ts';
import {CONTENT_VIEW_PROJECTION, PAGE_PROJECTION, propertyGroq} from '../../shared/groq.ts';
import {MAX_BROWSER_KEY_LENGTH, MAX_EVENT_NAME, MAX_PROPERTY_LENGTH} from '../../shared/heap-rules.ts';
import {BROWSER_PROPERTIES, EVENTS, SERVER_ONLY_PROPERTIES} from '../../shared/tracking-plan.ts';
import {loadedHeap, loadHeapJs, snippetQueue} from './fake-heap.ts';

type BrowserModule = typeof import('../../shared/browser.ts');

/** A fresh copy of the module: its warn-once memory starts empty. */
async function freshModule(): Promise<BrowserModule> {
  vi.resetModules();
  return import('../../shared/browser.ts');
}

const globals = globalThis as {heap?: unknown};

function applied(result: ContextResult | undefined): ContextResult {
  if (!result) throw new Error('setContentContext applied nothing');
  return result;
}

/** Content as a page query with CONTENT_VIEW_PROJECTION returns it. */
const articleA = {
  content_id: 'article-a',
  content_type: 'article',
  slug: 'a',
  title: 'Article A',
  author: 'Ada Lovelace',
  topics: ['Analytics', 'Content operations'],
  locale: 'en-GB',
  campaign: 'spring',
  release_id: null,
  experiment_key: 'headline-test',
  experiment_variant: 'long-headline',
  published_at: '2025-03-01T09:30:00Z',
};
const articleB = {
  content_id: 'drafts.article-b',
  content_type: 'article',
  slug: 'b',
  title: 'Article B',
  author: null,
  topics: null,
  locale: 'de-DE',
  campaign: null,
  release_id: 'rJune',
  experiment_key: null,
  published_at: null,
};

let warn: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  delete globals.heap;
  vi.restoreAllMocks();
});

describe('CONTENT_VIEW_PROJECTION', () => {
  it('is the page projection generated from the plan: every browser property, nothing server-only', async () => {
    expect(CONTENT_VIEW_PROJECTION).toBe(PAGE_PROJECTION);
    expect(Object.keys(await freshModule())).not.toContain('CONTENT_VIEW_PROJECTION');
    for (const p of BROWSER_PROPERTIES) expect(CONTENT_VIEW_PROJECTION).toContain(`"${p.name}": ${propertyGroq(p)}`);
    for (const name of SERVER_ONLY_PROPERTIES) expect(CONTENT_VIEW_PROJECTION).not.toContain(`"${name}"`);
  });
});

describe('contentProperties', () => {
  it('normalises with the plan: lists joined, draft ids published, nulls and unknown keys dropped', async () => {
    const {contentProperties} = await freshModule();
    expect(contentProperties({...articleA, body: 'not in the plan', revision: 'rev-1'})).toEqual({
      content_id: 'article-a',
      content_type: 'article',
      slug: 'a',
      title: 'Article A',
      author: 'Ada Lovelace',
      topics: 'Analytics||Content operations',
      locale: 'en-GB',
      campaign: 'spring',
      experiment_key: 'headline-test',
      experiment_variant: 'long-headline',
      published_at: '2025-03-01T09:30:00.000Z',
    });
    expect(contentProperties(articleB)).toEqual({
      content_id: 'article-b',
      content_type: 'article',
      slug: 'b',
      title: 'Article B',
      locale: 'de-DE',
      release_id: 'rJune',
    });
  });

  it('cuts long text to the plan length, below the browser limit', async () => {
    const {contentProperties} = await freshModule();
    const props = contentProperties({...articleA, title: 'x'.repeat(5000)});
    expect(typeof props.title).toBe('string');
    expect((props.title as string).length).toBeLessThan(MAX_PROPERTY_LENGTH);
    expect(props.title).toBe('x'.repeat(BROWSER_PROPERTIES.find((p) => p.name === 'title')?.maxLength ?? -1));
  });

  it.each([null, undefined, 'article-a', 42, ['article-a']])('gives no properties for %j', async (value) => {
    const {contentProperties} = await freshModule();
    expect(contentProperties(value)).toEqual({});
  });
});

describe('the browser rules', () => {
  const hostile = [
    'x'.repeat(5000),
    `${'y'.repeat(1022)}😀😀`,
    '\uD800 lone surrogate',
    ['a'.repeat(900), 'b'.repeat(900), {nested: true}, null, 7],
    {nested: {deep: 'object'}},
    [],
    true,
    false,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    -0,
    12.5,
    '',
    'not a date',
    '2025-01-01T00:00:00Z',
  ];

  it('hold for every property of every hostile input: keys < 512, values finite numbers or strings < 1024', async () => {
    const {contentProperties} = await freshModule();
    const names = BROWSER_PROPERTIES.map((p) => p.name);
    let checked = 0;
    for (const value of hostile) {
      const content = {content_id: 'drafts.hostile', ...Object.fromEntries(names.slice(1).map((n) => [n, value]))};
      for (const [key, out] of Object.entries(contentProperties(content))) {
        checked += 1;
        expect(names).toContain(key);
        expect(key.length).toBeLessThan(MAX_BROWSER_KEY_LENGTH);
        if (typeof out === 'string') expect(out.length).toBeLessThan(MAX_PROPERTY_LENGTH);
        else expect(Number.isFinite(out), `${key}: ${String(out)}`).toBe(true);
        expect(JSON.stringify(out)).not.toMatch(/\\ud[89ab]/i); // no lone surrogate survives
      }
    }
    expect(checked).toBeGreaterThan(hostile.length * 2);
  });

  it('"Content Viewed" is within the browser event-name limit', () => {
    expect(EVENTS.view.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
  });
});

describe('trackContentView', () => {
  it('queues "Content Viewed" in the snippet before heap.js loads; heap.js replays it', async () => {
    const {trackContentView, contentProperties} = await freshModule();
    const queue = snippetQueue();
    globals.heap = queue;
    expect(trackContentView(articleA)).toBe(true);
    expect([...queue]).toEqual([['track', EVENTS.view, contentProperties(articleA)]]);

    const heap = loadedHeap();
    loadHeapJs(queue, heap);
    globals.heap = heap;
    expect(heap.events).toEqual([{event: 'Content Viewed', properties: contentProperties(articleA)}]);
    expect(warn).not.toHaveBeenCalled();
  });

  it('calls the loaded heap found at call time, not at import time', async () => {
    const {trackContentView, contentProperties} = await freshModule();
    globals.heap = snippetQueue();
    const heap = loadedHeap();
    globals.heap = heap; // heap.js replaced the queue after the module was imported
    trackContentView(articleB);
    expect(heap.calls).toEqual([['track', EVENTS.view, contentProperties(articleB)]]);
    expect(EVENTS.view.length).toBeLessThanOrEqual(MAX_EVENT_NAME);
  });

  it('uses options.heap over the global one', async () => {
    const {trackContentView} = await freshModule();
    const global = loadedHeap();
    const injected = loadedHeap();
    globals.heap = global;
    trackContentView(articleA, {heap: injected});
    expect(injected.events.map((e) => e.event)).toEqual([EVENTS.view]);
    expect(global.calls).toEqual([]);
  });

  it('without heap: a no-op with one clear console warning, however many calls', async () => {
    const {trackContentView, setContentContext, clearContentContext} = await freshModule();
    expect(trackContentView(articleA)).toBe(false);
    expect(trackContentView(articleB)).toBe(false);
    expect(setContentContext(articleA)).toBeUndefined();
    expect(clearContentContext()).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(
      /^sanity-heap: no window\.heap \(add the Heap snippet first, or pass \{heap\}\); nothing sent$/,
    );
  });

  it('with a heap lacking the method: a no-op with the same warning', async () => {
    const {trackContentView} = await freshModule();
    globals.heap = {addEventProperties() {}, clearEventProperties() {}};
    expect(trackContentView(articleA)).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('no window.heap');
  });

  it('content without content_id: nothing sent, one warning pointing at the projection', async () => {
    const {trackContentView} = await freshModule();
    const heap = loadedHeap();
    globals.heap = heap;
    expect(trackContentView({title: 'no id'})).toBe(false);
    expect(trackContentView(null)).toBe(false);
    expect(heap.calls).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('CONTENT_VIEW_PROJECTION');
  });
});

describe('setContentContext / clearContentContext', () => {
  it('clears, then adds: the next route replaces the context, never merges it', async () => {
    const {setContentContext, contentProperties} = await freshModule();
    const heap = loadedHeap();
    globals.heap = heap;
    expect(setContentContext(articleA)).toEqual({properties: contentProperties(articleA), dropped: []});
    heap.click();
    setContentContext(articleB);
    heap.click();
    expect(heap.calls.map(([method]) => method)).toEqual([
      'clearEventProperties',
      'addEventProperties',
      'clearEventProperties',
      'addEventProperties',
    ]);
    expect(heap.events[0]?.properties).toEqual(contentProperties(articleA));
    // B has no author, topics or campaign: A's must not linger on B's clicks.
    expect(heap.events[1]?.properties).toEqual(contentProperties(articleB));
    expect(heap.events[1]?.properties).not.toHaveProperty('campaign');
  });

  it('queues clear-then-add in the snippet before heap.js loads', async () => {
    const {setContentContext, contentProperties} = await freshModule();
    const queue = snippetQueue();
    globals.heap = queue;
    setContentContext(articleA);
    setContentContext(articleB);
    const heap = loadedHeap();
    loadHeapJs(queue, heap);
    expect(heap.eventProperties).toEqual(contentProperties(articleB));
  });

  it('unusable content still clears the previous page context', async () => {
    const {setContentContext} = await freshModule();
    const heap = loadedHeap();
    globals.heap = heap;
    setContentContext(articleA);
    expect(setContentContext({title: 'no id'})).toBeUndefined();
    expect(heap.eventProperties).toEqual({});
  });

  it('clearContentContext empties the event properties', async () => {
    const {setContentContext, clearContentContext} = await freshModule();
    const heap = loadedHeap();
    setContentContext(articleA, {heap});
    expect(clearContentContext({heap})).toBe(true);
    heap.click();
    expect(heap.events[0]?.properties).toEqual({});
  });
});

describe('the cookie budget', () => {
  const encoded = (props: object) => encodeURIComponent(JSON.stringify(props)).length;

  it('keeps typical content whole', async () => {
    const {setContentContext, CONTEXT_BUDGET_BYTES} = await freshModule();
    const result = applied(setContentContext(articleA, {heap: loadedHeap()}));
    expect(result.dropped).toEqual([]);
    expect(encoded(result.properties)).toBeLessThanOrEqual(CONTEXT_BUDGET_BYTES);
  });

  it('drops long free text first, in the documented order, only as much as needed', async () => {
    const {setContentContext, contentProperties, CONTEXT_BUDGET_BYTES} = await freshModule();
    const heap = loadedHeap();
    const long = {...articleA, title: 'T'.repeat(900), topics: ['x'.repeat(400)], author: 'Ada'};
    const result = applied(setContentContext(long, {heap}));
    expect(result.dropped).toEqual(['title']);
    const {title: _title, ...rest} = contentProperties(long);
    expect(result.properties).toEqual(rest);
    expect(heap.eventProperties).toEqual(rest);
    expect(encoded(result.properties)).toBeLessThanOrEqual(CONTEXT_BUDGET_BYTES);

    const longer = {...long, topics: ['x'.repeat(900)], author: 'A'.repeat(900)};
    expect(applied(setContentContext(longer, {heap})).dropped).toEqual(['title', 'topics', 'author']);
  });

  it('counts URL-encoded bytes: 300 non-Latin characters are over budget', async () => {
    const {setContentContext} = await freshModule();
    const result = applied(setContentContext({...articleA, title: 'あ'.repeat(300)}, {heap: loadedHeap()}));
    expect(result.dropped).toEqual(['title']);
  });

  it('never drops content_id or content_type, even with no budget at all', async () => {
    const {setContentContext, CONTEXT_KEEP} = await freshModule();
    const result = applied(setContentContext(articleA, {heap: loadedHeap(), budget: 0}));
    expect(Object.keys(result.properties).sort()).toEqual([...CONTEXT_KEEP].sort());
    expect(result.properties).toEqual({content_id: 'article-a', content_type: 'article'});
    // Everything else, free text first, then the rest latest-in-plan first.
    expect(result.dropped).toEqual([
      'title',
      'topics',
      'author',
      'campaign',
      'slug',
      'published_at',
      'experiment_variant',
      'experiment_key',
      'locale',
    ]);
  });

  it('names only plan properties, so a renamed plan property fails here', async () => {
    const {CONTEXT_KEEP, CONTEXT_DROP_FIRST} = await freshModule();
    const names = BROWSER_PROPERTIES.map((p) => p.name);
    for (const name of [...CONTEXT_KEEP, ...CONTEXT_DROP_FIRST]) expect(names).toContain(name);
  });
});
