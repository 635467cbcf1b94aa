/**
 * Local Heap: validation of Track and add_user_properties bodies, by Heap's documented rules
 * (see shared/heap-rules.ts and the team's heap-api.md).
 *
 * Pure: a body in, validated events (with conversion warnings) out, or a `ValidationError`
 * whose message is the plain-text 400 reason, always starting with the field it is about,
 * e.g. `events[3].identity: longer than 255 characters`.
 *
 * Lengths are counted in UTF-16 code units (JavaScript's `length`), as the project's normaliser does.
 * Values must never appear in full in a reason (and the app_id never at all): reasons end up in logs.
 */
import {
  LIST_SEPARATOR,
  MAX_BULK_EVENTS,
  MAX_BULK_USERS,
  MAX_EVENT_NAME,
  MAX_EVENT_NAME_SERVER,
  MAX_IDENTITY,
  MAX_PROPERTY_LENGTH,
  MAX_USER_ID,
} from '../shared/heap-rules.ts';

export type PropertyValue = string | number;

export interface ValidatedEvent {
  app_id: string;
  event: string;
  identity?: string;
  user_id?: string;
  timestamp?: string;
  session_id?: string;
  idempotency_key?: string;
  properties: Record<string, PropertyValue>;
  warnings: string[];
}

export interface ValidatedTrack {
  /** True for the bulk body `{app_id, events: [...]}` (even with one event). */
  bulk: boolean;
  app_id: string;
  events: ValidatedEvent[];
}

export interface ValidatedUser {
  app_id: string;
  identity: string;
  properties: Record<string, PropertyValue>;
  warnings: string[];
}

export interface ValidatedUsers {
  bulk: boolean;
  app_id: string;
  users: ValidatedUser[];
}

export interface ValidateOptions {
  /** Also reject what Heap only converts or leaves undocumented: arrays, booleans, nested objects, null, event names over 255. */
  strict?: boolean;
}

/** The 400 reason; `message` is sent as the plain-text body. */
export class ValidationError extends Error {
  name = 'ValidationError';
}

const TRACK_FIELDS = new Set([
  'app_id',
  'event',
  'identity',
  'user_id',
  'timestamp',
  'properties',
  'idempotency_key',
  'session_id',
]);
const USER_FIELDS = new Set(['app_id', 'identity', 'properties']);

type Json = Record<string, unknown>;

function fail(field: string, message: string): never {
  throw new ValidationError(`${field}: ${message}`);
}

function at(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `array`, `null`, `boolean`, ... for messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** A short, safe rendering of a property key inside a field path. */
function keyPath(prefix: string, key: string): string {
  const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
  return /^[A-Za-z_$][\w$]*$/.test(shown)
    ? at(prefix, `properties.${shown}`)
    : at(prefix, `properties[${JSON.stringify(shown)}]`);
}

function requireAppId(value: unknown, field = 'app_id'): string {
  if (value === undefined) fail(field, 'missing');
  if (typeof value !== 'string') fail(field, `must be a string, got ${kindOf(value)}`);
  if (value === '') fail(field, 'empty');
  return value;
}

function checkIdentity(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, `must be a string, got ${kindOf(value)}`);
  if (value === '') fail(field, 'empty');
  if (value.length > MAX_IDENTITY) fail(field, `longer than ${MAX_IDENTITY} characters (${value.length})`);
  return value;
}

function checkUserId(value: unknown, field: string): string {
  if (typeof value !== 'string') fail(field, `must be a string holding an integer, got ${kindOf(value)}`);
  if (!/^(0|[1-9][0-9]*)$/.test(value)) fail(field, 'not the string form of a non-negative integer');
  if (BigInt(value) > BigInt(MAX_USER_ID)) fail(field, `out of range 0 … ${MAX_USER_ID}`);
  return value;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** ISO 8601 extended format: a date, or a date and time with an optional offset. Returns warnings. */
export function checkTimestamp(value: unknown, field: string): string[] {
  if (typeof value !== 'string') fail(field, `must be an ISO 8601 string, got ${kindOf(value)}`);
  const m = ISO_8601.exec(value);
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (!m) fail(field, `not an ISO 8601 date-time (${shown})`);
  const [, y, mo, d, h, mi, s, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const timeOk = h === undefined || (Number(h) <= 23 && Number(mi) <= 59 && (s === undefined || Number(s) <= 59));
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || !timeOk)
    fail(field, `not a valid date-time (${shown})`);
  if (h !== undefined && zone === undefined) {
    return [`${field}: no time zone offset; how Heap reads a local time is undocumented (send Z or ±hh:mm)`];
  }
  return [];
}

/**
 * How deep a nested property value may go before Local Heap refuses it (400). Heap documents
 * nothing about nesting; without a bound, turning a very deep value into JSON text overflows the
 * stack (a 500).
 */
export const MAX_NESTING_DEPTH = 100;

/** True when `value` nests objects or arrays more than `limit` levels deep (iterative: no recursion). */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Apply the documented array conversion (and Local Heap's guesses for undocumented kinds). */
function convertValue(value: unknown, field: string, strict: boolean, warnings: string[]): PropertyValue | undefined {
  switch (typeof value) {
    case 'number':
      return value;
    case 'string':
      if (value.length >= MAX_PROPERTY_LENGTH) {
        fail(field, `value of ${MAX_PROPERTY_LENGTH} characters or more (${value.length})`);
      }
      return value;
    case 'boolean':
      if (strict) fail(field, 'boolean not allowed in strict mode (send a string or a number)');
      warnings.push(`${field}: boolean stored as "${value}" (booleans are undocumented in Heap's server API)`);
      return String(value);
  }
  if (value === null) {
    if (strict) fail(field, 'null not allowed in strict mode (leave the property out)');
    warnings.push(`${field}: null dropped (null is undocumented in Heap's server API)`);
    return undefined;
  }
  if (nestedDeeperThan(value, MAX_NESTING_DEPTH)) {
    fail(field, `nested more than ${MAX_NESTING_DEPTH} levels deep (Local Heap's limit; Heap documents none)`);
  }
  let text: string;
  if (Array.isArray(value)) {
    if (strict) fail(field, `array not allowed in strict mode (join it with "${LIST_SEPARATOR}" before sending)`);
    text = value
      .map((item) => (item === null ? '' : typeof item === 'object' ? JSON.stringify(item) : String(item)))
      .join(LIST_SEPARATOR);
    warnings.push(`${field}: array of ${value.length} joined with "${LIST_SEPARATOR}"`);
  } else {
    if (strict) fail(field, 'nested object not allowed in strict mode (flatten it)');
    text = JSON.stringify(value);
    warnings.push(`${field}: nested object stored as JSON text (nested objects are undocumented in Heap's server API)`);
  }
  if (text.length > MAX_PROPERTY_LENGTH) {
    warnings.push(`${field}: cut from ${text.length} to ${MAX_PROPERTY_LENGTH} characters`);
    text = text.slice(0, MAX_PROPERTY_LENGTH);
  }
  return text;
}

function checkProperties(
  value: unknown,
  prefix: string,
  strict: boolean,
  warnings: string[],
): Record<string, PropertyValue> {
  const field = at(prefix, 'properties');
  if (!isObject(value)) fail(field, `should be an object, got ${kindOf(value)}`);
  const out: Record<string, PropertyValue> = {};
  for (const [key, raw] of Object.entries(value)) {
    const keyField = keyPath(prefix, key);
    if (key.length >= MAX_PROPERTY_LENGTH)
      fail(keyField, `key of ${MAX_PROPERTY_LENGTH} characters or more (${key.length})`);
    const converted = convertValue(raw, keyField, strict, warnings);
    if (converted !== undefined) out[key] = converted;
  }
  return out;
}

function unknownFields(body: Json, known: Set<string>, prefix: string, warnings: string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key))
      warnings.push(`${prefix === '' ? 'body' : prefix}: unknown field ${JSON.stringify(key)} ignored`);
  }
}

function checkEvent(
  body: Json,
  prefix: string,
  appId: string,
  strict: boolean,
  extraWarnings: string[],
): ValidatedEvent {
  const warnings: string[] = [...extraWarnings];
  const eventField = at(prefix, 'event');
  const name = body.event;
  if (name === undefined) fail(eventField, 'missing');
  if (typeof name !== 'string') fail(eventField, `must be a string, got ${kindOf(name)}`);
  if (name === '') fail(eventField, 'empty');
  if (name.length > MAX_EVENT_NAME_SERVER)
    fail(eventField, `longer than ${MAX_EVENT_NAME_SERVER} characters (${name.length})`);
  if (name.length > MAX_EVENT_NAME) {
    if (strict) fail(eventField, `longer than ${MAX_EVENT_NAME} characters (strict mode: the browser SDK's limit)`);
    warnings.push(`${eventField}: longer than ${MAX_EVENT_NAME} characters, the browser SDK's limit`);
  }

  const hasIdentity = body.identity !== undefined;
  const hasUserId = body.user_id !== undefined;
  if (hasIdentity && hasUserId) fail(at(prefix, 'identity'), 'give identity or user_id, not both');
  if (!hasIdentity && !hasUserId) fail(at(prefix, 'identity'), 'missing (give identity or user_id)');

  const out: ValidatedEvent = {app_id: appId, event: name, properties: {}, warnings};
  if (hasIdentity) out.identity = checkIdentity(body.identity, at(prefix, 'identity'));
  else out.user_id = checkUserId(body.user_id, at(prefix, 'user_id'));

  if (body.timestamp !== undefined) {
    warnings.push(...checkTimestamp(body.timestamp, at(prefix, 'timestamp')));
    out.timestamp = body.timestamp as string;
  }
  if (body.session_id !== undefined) {
    const v = body.session_id;
    if (typeof v !== 'string' && typeof v !== 'number')
      fail(at(prefix, 'session_id'), `must be a string, got ${kindOf(v)}`);
    out.session_id = String(v);
  }
  if (body.idempotency_key !== undefined) {
    const v = body.idempotency_key;
    if (typeof v !== 'string') fail(at(prefix, 'idempotency_key'), `must be a string, got ${kindOf(v)}`);
    out.idempotency_key = v;
  }
  if (body.properties !== undefined) out.properties = checkProperties(body.properties, prefix, strict, warnings);
  unknownFields(body, TRACK_FIELDS, prefix, warnings);
  return out;
}

function checkBody(body: unknown): Json {
  if (!isObject(body)) fail('body', `must be a JSON object, got ${kindOf(body)}`);
  return body;
}

/**
 * The list of a bulk body (`events` or `users`): an array of 1 to `max` objects, each of which
 * may repeat the body's app_id but not differ from it. Unknown top-level fields warn on every item.
 */
function checkBulk<T>(
  body: Json,
  field: 'events' | 'users',
  max: number,
  appId: string,
  checkItem: (item: Json, prefix: string, requestWarnings: string[]) => T,
): T[] {
  const list = body[field];
  if (!Array.isArray(list)) fail(field, `must be an array, got ${kindOf(list)}`);
  if (list.length === 0) fail(field, 'empty');
  if (list.length > max) fail(field, `more than ${max} ${field} (${list.length})`);
  const requestWarnings: string[] = [];
  unknownFields(body, new Set(['app_id', field]), '', requestWarnings);
  return list.map((item, i) => {
    const prefix = `${field}[${i}]`;
    if (!isObject(item)) fail(prefix, `must be an object, got ${kindOf(item)}`);
    if (item.app_id !== undefined && item.app_id !== appId)
      fail(at(prefix, 'app_id'), "differs from the body's app_id");
    return checkItem(item, prefix, requestWarnings);
  });
}

/**
 * Validate a `POST /api/track` body: the single-event body, or the bulk body `{app_id, events}`.
 * One bad event rejects the whole bulk request (Heap does not document this; it is the
 * conservative behaviour a client must handle).
 */
export function validateTrackBody(raw: unknown, options: ValidateOptions = {}): ValidatedTrack {
  const strict = options.strict === true;
  const body = checkBody(raw);
  if (body.events === undefined) {
    const appId = requireAppId(body.app_id);
    return {bulk: false, app_id: appId, events: [checkEvent(body, '', appId, strict, [])]};
  }
  if (body.event !== undefined) fail('events', 'not allowed together with event (send one body shape)');
  const appId = requireAppId(body.app_id);
  const events = checkBulk(body, 'events', MAX_BULK_EVENTS, appId, (item, prefix, requestWarnings) =>
    checkEvent(item, prefix, appId, strict, requestWarnings),
  );
  return {bulk: true, app_id: appId, events};
}

function checkUser(body: Json, prefix: string, appId: string, strict: boolean, extraWarnings: string[]): ValidatedUser {
  const warnings = [...extraWarnings];
  if (body.identity === undefined) fail(at(prefix, 'identity'), 'missing');
  const identity = checkIdentity(body.identity, at(prefix, 'identity'));
  if (body.properties === undefined) fail(at(prefix, 'properties'), 'missing');
  const properties = checkProperties(body.properties, prefix, strict, warnings);
  unknownFields(body, USER_FIELDS, prefix, warnings);
  return {app_id: appId, identity, properties, warnings};
}

/** Validate a `POST /api/add_user_properties` body: `{app_id, identity, properties}` or `{app_id, users: [...]}`. */
export function validateUsersBody(raw: unknown, options: ValidateOptions = {}): ValidatedUsers {
  const strict = options.strict === true;
  const body = checkBody(raw);
  const appId = requireAppId(body.app_id);
  if (body.users === undefined) return {bulk: false, app_id: appId, users: [checkUser(body, '', appId, strict, [])]};
  if (body.identity !== undefined) fail('users', 'not allowed together with identity (send one body shape)');
  const users = checkBulk(body, 'users', MAX_BULK_USERS, appId, (item, prefix, requestWarnings) =>
    checkUser(item, prefix, appId, strict, requestWarnings),
  );
  return {bulk: true, app_id: appId, users};
}
