/**
 * shared/react-native.ts against a fake of @heap/react-native-heap: the SDK's
 * calls with their real signatures (HeapReactNative), and its documented
 * behaviour: event properties kept until removed and merged into every event,
 * nested objects flattened with dots, and its limits (event name ≤ 255
 * characters, keys and values numbers or strings under 1024 characters),
 * recorded as violations.
 */
import {evaluate, parse} from 'groq-js';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {contentProperties, fitContext} from '../../shared/browser.ts';
import {CONTENT_VIEW_PROJECTION} from '../../shared/groq.ts';
import {
  CONTEXT_PROPERTIES,
  clearContentContext,
  type HeapReactNative,
  setContentContext,
  trackContentView,
} from '../../shared/react-native.ts';
import {BROWSER_PROPERTIES, EVENTS} from '../../shared/tracking-plan.ts';
import {EXAMPLE_DOCS, exampleArticle} from '../browser/example-articles.ts';
import {expectedBrowserProperties} from '../browser/parity-helpers.ts';

type Props = Record<string, unknown>;

/** Flattens nested objects with dot keys, as the SDK does (with the `flat` package) before sending. */
function flatten(value: object, prefix = ''): Props {
  const out: Props = {};
  for (const [key, v] of Object.entries(value)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v, `${prefix}${key}.`));
    else out[`${prefix}${key}`] = v;
  }
  return out;
}

function fakeHeap() {
  const eventProperties = new Map<string, unknown>();
  const events: {event: string; properties: Props}[] = [];
  const calls: string[] = [];
  const violations: string[] = [];
  const check = (where: string, props: Props) => {
    for (const [key, value] of Object.entries(props)) {
      if (key.length >= 1024) violations.push(`${where}: key ${key.slice(0, 20)}… ≥ 1024`);
      if (typeof value !== 'string' && typeof value !== 'number')
        violations.push(`${where}: ${key} is ${typeof value}`);
      if (typeof value === 'string' && value.length >= 1024) violations.push(`${where}: ${key} ≥ 1024 characters`);
    }
  };
  const heap: HeapReactNative = {
    track(event: string, properties?: object) {
      calls.push(`track ${event}`);
      if (event.length > 255) violations.push(`track: event name over 255 characters`);
      const props = flatten(properties ?? {});
      check('track', props);
      events.push({event, properties: {...Object.fromEntries(eventProperties), ...props}});
    },
    addEventProperties(properties: object) {
      calls.push('addEventProperties');
      const props = flatten(properties);
      check('addEventProperties', props);
      for (const [key, value] of Object.entries(props)) eventProperties.set(key, value);
    },
    removeEventProperty(property: string) {
      calls.push(`removeEventProperty ${property}`);
      eventProperties.delete(property);
    },
  };
  return {heap, events, calls, violations, eventProperties: () => Object.fromEntries(eventProperties)};
}

/** What an app's screen query gets with CONTENT_VIEW_PROJECTION (groq-js over the example dataset). */
async function analytics(slug: string): Promise<Props> {
  const doc = exampleArticle(slug);
  const tree = parse(`*[_id == $id][0]${CONTENT_VIEW_PROJECTION}`);
  return (await (await evaluate(tree, {dataset: [...EXAMPLE_DOCS], params: {id: doc._id}})).get()) as Props;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('React Native: trackContentView', () => {
  it('sends "Content Viewed" with the same properties as the function and the website', async () => {
    const fake = fakeHeap();
    const A = exampleArticle('field-guide');
    expect(trackContentView(await analytics('field-guide'), fake.heap)).toBe(true);
    expect(fake.events).toEqual([{event: EVENTS.view, properties: await expectedBrowserProperties(A, EXAMPLE_DOCS)}]);
    expect(fake.events[0]?.properties.content_id).toBe(A._id);
    expect(fake.violations).toEqual([]);
  });

  it('meets the SDK limits for hostile content: long text cut, lists joined, nothing nested', () => {
    const fake = fakeHeap();
    const content = {
      content_id: 'drafts.article-1',
      content_type: 'article',
      title: 'é'.repeat(5000),
      topics: ['a', 'b'],
      author: {name: 'nested'},
      locale: null,
      published_at: Number.NaN,
    };
    trackContentView(content, fake.heap);
    const sent = fake.events[0]?.properties ?? {};
    expect(sent).toEqual(contentProperties(content));
    expect(sent.content_id).toBe('article-1');
    expect(sent.topics).toBe('a||b');
    expect(Object.keys(sent).sort()).toEqual(['content_id', 'content_type', 'title', 'topics']);
    expect(fake.violations).toEqual([]);
  });

  it('sends nothing, with a warning, for content without a content_id', () => {
    const fake = fakeHeap();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(trackContentView({title: 'no id'}, fake.heap)).toBe(false);
    expect(trackContentView(null, fake.heap)).toBe(false);
    expect(fake.calls).toEqual([]);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/no content_id/));
  });
});

describe('React Native: content context', () => {
  it('puts the content on every later event and replaces the previous screen’s, keeping the app’s own properties', async () => {
    const fake = fakeHeap();
    fake.heap.addEventProperties({plan: 'pro'});
    const [a, b] = [await analytics('field-guide'), await analytics('release-notes')];
    const [propsA, propsB] = [contentProperties(a), contentProperties(b)];

    expect(setContentContext(a, fake.heap)?.properties).toEqual(propsA);
    fake.heap.track('Tap', {target: 'like'});
    expect(fake.events[0]?.properties).toEqual({plan: 'pro', ...propsA, target: 'like'});

    // B has no campaign and no experiment: A's must not linger on B's events.
    expect(propsA.campaign).toBeDefined();
    const resultB = setContentContext(b, fake.heap);
    expect(resultB?.removed).toContain('campaign');
    expect(resultB?.removed).toContain('experiment_key');
    fake.heap.track('Tap', {target: 'like'});
    expect(fake.events[1]?.properties).toEqual({plan: 'pro', ...propsB, target: 'like'});
    expect(fake.violations).toEqual([]);
  });

  it('is not trimmed to the browser’s cookie budget: the SDK has no such limit', () => {
    const fake = fakeHeap();
    const long = (c: string) => c.repeat(900);
    const content = {
      content_id: 'article-long',
      content_type: 'article',
      title: long('t'),
      author: long('a'),
      campaign: long('c'),
      slug: long('s'),
    };
    expect(fitContext(contentProperties(content)).dropped.length).toBeGreaterThan(0);
    expect(setContentContext(content, fake.heap)?.properties).toEqual(contentProperties(content));
    expect(fake.eventProperties()).toEqual(contentProperties(content));
    expect(fake.violations).toEqual([]);
  });

  it('clears only the plan’s properties: on a screen without content, and for content without a content_id', async () => {
    const fake = fakeHeap();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    fake.heap.addEventProperties({plan: 'pro'});
    setContentContext(await analytics('field-guide'), fake.heap);
    clearContentContext(fake.heap);
    expect(fake.eventProperties()).toEqual({plan: 'pro'});

    setContentContext(await analytics('field-guide'), fake.heap);
    expect(setContentContext({title: 'no id'}, fake.heap)).toBeUndefined();
    expect(fake.eventProperties()).toEqual({plan: 'pro'});
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('owns exactly the plan’s browser properties', () => {
    expect(CONTEXT_PROPERTIES).toEqual(BROWSER_PROPERTIES.map((p) => p.name));
  });
});
