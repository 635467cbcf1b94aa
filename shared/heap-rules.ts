/**
 * Heap's documented limits and payload rules, in one place.
 *
 * Source: Heap's server-side Track / Bulk Track API and browser SDK docs
 * (collected in the team's heap-api.md). Both the normaliser (which makes
 * our payloads valid) and Local Heap (which enforces the rules) read these.
 */

/** Server-side `event` may be 1024 characters; the browser SDK allows 255, so we stay at 255. */
export const MAX_EVENT_NAME_SERVER = 1024;
export const MAX_EVENT_NAME = 255;
/** `identity` is a case-sensitive string of at most 255 characters. */
export const MAX_IDENTITY = 255;
/** Property keys and values must be *under* 1024 characters (server). */
export const MAX_PROPERTY_LENGTH = 1024;
/** What the normaliser cuts strings to: deliberately below the limit. */
export const PROPERTY_VALUE_CUT = 1000;
/** The browser SDK: keys under 512 characters. */
export const MAX_BROWSER_KEY_LENGTH = 512;
/** Heap joins array values with this separator (server side). */
export const LIST_SEPARATOR = '||';
/** Bulk Track: at most this many events per request. */
export const MAX_BULK_EVENTS = 1000;
/** Bulk add_user_properties: at most this many `users` per request. */
export const MAX_BULK_USERS = 1000;
/** `user_id` is the string form of an integer in 0 … 2^53-1. */
export const MAX_USER_ID = Number.MAX_SAFE_INTEGER;

/** Documented rate limits. */
export const RATE_LIMITS = {
  /** Single Track: 30 requests per 30 seconds per identity per app_id. */
  singleTrack: {requests: 30, windowMs: 30_000},
  /** Bulk Track: 1000 events per minute per identity per app_id. */
  bulkPerIdentity: {events: 1000, windowMs: 60_000},
  /** Bulk Track: 15,000 events per minute per app_id. */
  bulkPerApp: {events: 15_000, windowMs: 60_000},
  /** add_user_properties: 30 requests per 30 seconds per identity per app_id. */
  addUserProperties: {requests: 30, windowMs: 30_000},
} as const;

export const TRACK_PATH = '/api/track';
export const ADD_USER_PROPERTIES_PATH = '/api/add_user_properties';
export const DEFAULT_HEAP_API_URL = 'https://heapanalytics.com';
export const EU_HEAP_API_URL = 'https://c.eu.heap-api.com';
