/**
 * The React Native side: "Content Viewed" and the content context through
 * Heap's React Native SDK (`@heap/react-native-heap`), from the same tracking
 * plan and the same property logic as the website (`contentProperties` in
 * browser.ts: the plan's browser properties through the function's normaliser).
 *
 *   import Heap from '@heap/react-native-heap';
 *   import {setContentContext, trackContentView} from './sanity-heap/react-native.ts';
 *   setContentContext(article.analytics, Heap); // on every screen focus
 *   trackContentView(article.analytics, Heap);
 *
 * What differs from the browser: the SDK keeps event properties natively, not
 * in a ~4 KB cookie, so the context is never trimmed to a budget; they persist
 * across app launches, so a stale context is replaced property by property;
 * and only the plan's properties are touched (never `clearEventProperties`),
 * so the app's own event properties survive. Limits are the SDK's (its
 * index.d.ts): event name ≤ 255 characters, property keys and values numbers
 * or strings under 1024 characters, which the normaliser already guarantees.
 */
import {type BrowserProperties, contentProperties} from './browser.ts';
import {MAX_EVENT_NAME} from './heap-rules.ts';
import {cut} from './normalize.ts';
import {BROWSER_PROPERTIES, EVENTS} from './tracking-plan.ts';

/**
 * The calls this module makes on the SDK's default export, with the
 * signatures of `@heap/react-native-heap` 0.22 (index.d.ts):
 * `track(event: string, properties?: object)`, `addEventProperties(properties: object)`,
 * `removeEventProperty(property: string)`.
 */
export interface HeapReactNative {
  track(event: string, properties?: object): void;
  addEventProperties(properties: object): void;
  removeEventProperty(property: string): void;
}

export interface NativeContextResult {
  /** What was added as event properties. */
  properties: BrowserProperties;
  /** Plan properties removed because this content has no value for them. */
  removed: string[];
}

/** The plan properties the context is made of: the only event properties this module adds or removes. */
export const CONTEXT_PROPERTIES: readonly string[] = BROWSER_PROPERTIES.map((p) => p.name);

/** The content's properties, or undefined (with a console warning) when it has no `content_id`. */
function usable(content: unknown): BrowserProperties | undefined {
  const properties = contentProperties(content);
  if (typeof properties.content_id === 'string') return properties;
  console.warn('sanity-heap: no content_id (query the content with CONTENT_VIEW_PROJECTION); nothing sent');
  return undefined;
}

/** `Heap.track("Content Viewed", props)`; false (one console warning) for content without a `content_id`. */
export function trackContentView(content: unknown, heap: HeapReactNative): boolean {
  const properties = usable(content);
  if (!properties) return false;
  heap.track(cut(EVENTS.view, MAX_EVENT_NAME), properties);
  return true;
}

/**
 * Make the content the context of every later event (touches, screen views,
 * custom events): removes the plan properties this content has no value for,
 * then `Heap.addEventProperties(props)` (which replaces the others). Call it
 * when a content screen gains focus. For content without a `content_id` it
 * clears the context and returns undefined.
 */
export function setContentContext(content: unknown, heap: HeapReactNative): NativeContextResult | undefined {
  const properties = usable(content);
  if (!properties) {
    clearContentContext(heap);
    return undefined;
  }
  const removed = CONTEXT_PROPERTIES.filter((name) => !(name in properties));
  for (const name of removed) heap.removeEventProperty(name);
  heap.addEventProperties(properties);
  return {properties, removed};
}

/** Remove the content context (a screen without content, sign-out): `Heap.removeEventProperty` per plan property. */
export function clearContentContext(heap: HeapReactNative): void {
  for (const name of CONTEXT_PROPERTIES) heap.removeEventProperty(name);
}
