/**
 * Fake `heap` objects for the browser module's unit tests.
 *
 * - `snippetQueue()`: what Heap's classic snippet defines before heap.js loads:
 *   an array whose stub methods push `[method, ...args]` onto it.
 * - `loadedHeap()`: a recording stand-in for heap.js once loaded, keeping the
 *   event properties the way heap.js does (add merges, remove deletes one, clear empties).
 * - `loadHeapJs(queue, heap)`: what heap.js does on load: replay the queued calls in order.
 */
import type {BrowserProperties} from '../../shared/browser.ts';

/** The snippet's stub names (Heap's classic snippet). */
export const SNIPPET_METHODS = [
  'addEventProperties',
  'addUserProperties',
  'clearEventProperties',
  'identify',
  'resetIdentity',
  'removeEventProperty',
  'setEventProperties',
  'track',
  'unsetEventProperty',
] as const;

export type QueuedCall = [string, ...unknown[]];
export type SnippetQueue = QueuedCall[] & Record<(typeof SNIPPET_METHODS)[number], (...args: unknown[]) => void>;

export function snippetQueue(): SnippetQueue {
  const queue = [] as unknown as SnippetQueue;
  for (const name of SNIPPET_METHODS) {
    queue[name] = (...args: unknown[]) => {
      queue.push([name, ...args]);
    };
  }
  return queue;
}

export interface LoadedHeap {
  track(event: string, properties?: BrowserProperties): void;
  addEventProperties(properties: BrowserProperties): void;
  removeEventProperty(key: string): void;
  clearEventProperties(): void;
  /** Every call, in order. */
  calls: QueuedCall[];
  /** Events tracked, each with the event properties current at that moment merged in (as Heap records them). */
  events: {event: string; properties: BrowserProperties}[];
  /** The event properties currently set. */
  eventProperties: BrowserProperties;
  /** Simulate an autocaptured click: an event carrying only the event properties. */
  click(): void;
}

export function loadedHeap(): LoadedHeap {
  const heap: LoadedHeap = {
    calls: [],
    events: [],
    eventProperties: {},
    track(event, properties = {}) {
      heap.calls.push(['track', event, properties]);
      heap.events.push({event, properties: {...heap.eventProperties, ...properties}});
    },
    addEventProperties(properties) {
      heap.calls.push(['addEventProperties', properties]);
      heap.eventProperties = {...heap.eventProperties, ...properties};
    },
    removeEventProperty(key) {
      heap.calls.push(['removeEventProperty', key]);
      const {[key]: _removed, ...rest} = heap.eventProperties;
      heap.eventProperties = rest;
    },
    clearEventProperties() {
      heap.calls.push(['clearEventProperties']);
      heap.eventProperties = {};
    },
    click() {
      heap.events.push({event: 'click', properties: {...heap.eventProperties}});
    },
  };
  return heap;
}

/** heap.js on load: every queued call, in order, on the real object. */
export function loadHeapJs(queue: QueuedCall[], heap: LoadedHeap): void {
  for (const [method, ...args] of queue) {
    const fn = (heap as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw new Error(`heap.js has no ${method}`);
    fn.apply(heap, args);
  }
}
