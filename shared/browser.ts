/**
 * The website side: "Content Viewed" and content context on every browser event,
 * from the same tracking plan as the function's server events.
 *
 * ESM, no dependencies, tree-shakable, safe in any bundler (Next.js, Astro, Vite)
 * or as a plain `<script type="module">`. It never loads Heap: it calls the
 * `window.heap` your Heap snippet defines (the snippet's queue before heap.js
 * has loaded, the real SDK after), looked up at call time.
 */
import {MAX_EVENT_NAME} from './heap-rules.ts';
import {cut, type HeapProperties, normaliseProperties} from './normalize.ts';
import {BROWSER_PROPERTIES, EVENTS} from './tracking-plan.ts';

// The page query's projection, CONTENT_VIEW_PROJECTION, lives in ./groq.ts: it is
// a query-time string for the code that fetches the page (often server-side), so
// it stays out of this bundle, which needs only the plan's property names.

/** A value the browser SDK accepts. */
export type BrowserValue = string | number | boolean;
export type BrowserProperties = Record<string, BrowserValue>;

/** The part of Heap's browser API this module calls (the snippet's stubs have the same names). */
export interface HeapBrowser {
  track(event: string, properties?: BrowserProperties): void;
  addEventProperties(properties: BrowserProperties): void;
  clearEventProperties(): void;
}

export interface HeapOptions {
  /** The Heap object to call; defaults to `globalThis.heap`, read at call time. */
  heap?: HeapBrowser;
}

export interface ContextOptions extends HeapOptions {
  /** Serialised (URL-encoded JSON) size the context may take in Heap's cookie; default {@link CONTEXT_BUDGET_BYTES}. */
  budget?: number;
}

/**
 * Heap keeps event properties in a cookie of about 4 KB per domain, shared with
 * its own identity and session cookies and the site's cookies; the excess is
 * silently dropped. The content context takes at most a quarter of it.
 */
export const CONTEXT_BUDGET_BYTES = 1024;

/** Never dropped from the context: the join key to the server events, and its type. */
export const CONTEXT_KEEP: readonly string[] = ['content_id', 'content_type'];

/**
 * Dropped first when the context is over budget, in this order: long free text
 * that is redundant on a click (every "Content Published" event carries it in
 * full under the same `content_id`). Other plan properties follow, latest in the
 * plan first. A property is dropped whole, never cut: a cut value would show up
 * in Heap as a second, different value.
 */
export const CONTEXT_DROP_FIRST: readonly string[] = ['title', 'topics', 'author', 'campaign', 'slug'];

export interface ContextResult {
  /** What was put on every later event. */
  properties: BrowserProperties;
  /** Plan properties left out to stay within the cookie budget, in drop order. */
  dropped: string[];
}

const warned: string[] = [];
/** One console warning per distinct message, per page load. */
function warnOnce(message: string): undefined {
  if (warned.includes(message)) return;
  warned.push(message);
  console.warn(`sanity-heap: ${message}; nothing sent`);
}

/** `options.heap` or the global `heap` (read at call time) if it has `method`; otherwise warns once. */
function resolveHeap(options: HeapOptions | undefined, method: keyof HeapBrowser): HeapBrowser | undefined {
  const heap = options?.heap ?? (globalThis as {heap?: HeapBrowser}).heap;
  if (typeof heap?.[method] === 'function') return heap;
  return warnOnce('no window.heap (add the Heap snippet first, or pass {heap})');
}

/**
 * The browser properties of a piece of content fetched with `CONTENT_VIEW_PROJECTION` (./groq.ts):
 * the plan's browser properties, normalised exactly as the function normalises them.
 *
 * The shared normaliser already meets Heap's browser rules, the strictest there are:
 * keys are the plan's snake_case names (well under 512 characters); values are
 * finite numbers or strings cut below 1024 characters; lists are joined with `||`;
 * nulls, objects and booleans never come out. The browser tests prove it for
 * hostile input, so no second pass runs here.
 */
export function contentProperties(content: unknown): HeapProperties {
  // Object(): null and primitives become objects without the plan's keys.
  return normaliseProperties(Object(content), BROWSER_PROPERTIES).properties;
}

function usable(content: unknown): BrowserProperties | undefined {
  const properties = contentProperties(content);
  if (typeof properties.content_id === 'string') return properties;
  return warnOnce('no content_id (query the content with CONTENT_VIEW_PROJECTION)');
}

/**
 * `heap.track("Content Viewed", props)`. Works before heap.js has loaded (the
 * snippet queues the call). Returns false, with one console warning, when there
 * is no `heap` or the content has no `content_id`.
 */
export function trackContentView(content: unknown, options?: HeapOptions): boolean {
  const heap = resolveHeap(options, 'track');
  const properties = heap && usable(content);
  if (!heap || !properties) return false;
  heap.track(cut(EVENTS.view, MAX_EVENT_NAME), properties);
  return true;
}

const encodedSize = (properties: BrowserProperties): number => encodeURIComponent(JSON.stringify(properties)).length;

/** The properties that fit in `budget`, dropping in the documented order; `CONTEXT_KEEP` always stays. */
export function fitContext(properties: BrowserProperties, budget: number = CONTEXT_BUDGET_BYTES): ContextResult {
  const kept = {...properties};
  const dropped: string[] = [];
  const order = [...CONTEXT_DROP_FIRST, ...BROWSER_PROPERTIES.map((p) => p.name).reverse()];
  for (const name of order) {
    if (encodedSize(kept) <= budget) break;
    if (CONTEXT_KEEP.includes(name) || !(name in kept)) continue;
    delete kept[name];
    dropped.push(name);
  }
  return {properties: kept, dropped};
}

/**
 * Put the content's properties on every later browser event, autocaptured clicks
 * and page views included: `heap.clearEventProperties()` then
 * `heap.addEventProperties(props)`. Call it on every route change of a
 * single-page app: the previous page's context is replaced, never merged.
 * Returns what was set and what the cookie budget dropped; `undefined` (with one
 * console warning) without `heap`, or for content without a `content_id`, which
 * still clears the previous page's context.
 * Note that `clearEventProperties` also removes event properties your site set itself.
 */
export function setContentContext(content: unknown, options?: ContextOptions): ContextResult | undefined {
  const heap = resolveHeap(options, 'addEventProperties');
  heap?.clearEventProperties();
  const properties = heap && usable(content);
  if (!heap || !properties) return undefined;
  const fitted = fitContext(properties, options?.budget);
  heap.addEventProperties(fitted.properties);
  return fitted;
}

/** Remove the content context (e.g. on a route without content): `heap.clearEventProperties()`. */
export function clearContentContext(options?: HeapOptions): boolean {
  const heap = resolveHeap(options, 'clearEventProperties');
  if (!heap) return false;
  heap.clearEventProperties();
  return true;
}
