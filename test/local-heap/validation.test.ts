import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest';
import {type LocalHeap, startLocalHeap} from '../../local-heap/server.ts';
import {MAX_BULK_EVENTS, MAX_USER_ID} from '../../shared/heap-rules.ts';
import {APP_ID, bulk, IDENTITY, post, single, track} from './http.ts';

let heap: LocalHeap;
beforeAll(async () => {
  heap = await startLocalHeap({port: 0, rateLimits: false, maxBodyBytes: 200_000});
});
afterEach(() => heap.reset());
afterAll(() => heap.close());

const long = (n: number): string => 'x'.repeat(n);
const without = (key: string): Record<string, unknown> => {
  const body = single();
  delete body[key];
  return body;
};

describe('validation: each rule answers 400 with a reason naming the field, and stores nothing', () => {
  const cases: [string, unknown, string][] = [
    ['missing app_id', without('app_id'), 'app_id: missing'],
    ['app_id not a string', single({app_id: 42}), 'app_id: must be a string'],
    ['missing event', without('event'), 'event: missing'],
    ['empty event', single({event: ''}), 'event: empty'],
    ['both identity and user_id', single({user_id: '42'}), 'identity: give identity or user_id, not both'],
    ['neither identity nor user_id', without('identity'), 'identity: missing'],
    ['identity over 255 characters', single({identity: long(256)}), 'identity: longer than 255 characters'],
    ['identity not a string', single({identity: 7}), 'identity: must be a string'],
    ['user_id not an integer string', {...without('identity'), user_id: '12a'}, 'user_id: not the string form'],
    ['user_id negative', {...without('identity'), user_id: '-1'}, 'user_id: not the string form'],
    [
      'user_id over 2^53-1',
      {...without('identity'), user_id: String(BigInt(MAX_USER_ID) + 1n)},
      'user_id: out of range',
    ],
    ['user_id as a number', {...without('identity'), user_id: 42}, 'user_id: must be a string'],
    ['event name over 1024 characters', single({event: long(1025)}), 'event: longer than 1024 characters'],
    ['properties an array', single({properties: ['a']}), 'properties: should be an object, got array'],
    ['properties a string', single({properties: 'a=b'}), 'properties: should be an object, got string'],
    ['property key of 1024 characters', single({properties: {[long(1024)]: 'v'}}), 'properties["xxxx'],
    [
      'property value of 1024 characters',
      single({properties: {title: long(1024)}}),
      'properties.title: value of 1024 characters or more',
    ],
    ['timestamp not ISO 8601', single({timestamp: '28/11/2024 10:00'}), 'timestamp: not an ISO 8601 date-time'],
    ['timestamp as epoch milliseconds', single({timestamp: 1732788000000}), 'timestamp: must be an ISO 8601 string'],
    ['timestamp an impossible date', single({timestamp: '2024-02-30T10:00:00Z'}), 'timestamp: not a valid date-time'],
    ['idempotency_key not a string', single({idempotency_key: 5}), 'idempotency_key: must be a string'],
    ['body a JSON array', [single()], 'body: must be a JSON object'],
    ['bulk events not an array', {app_id: APP_ID, events: {}}, 'events: must be an array'],
    ['bulk events empty', {app_id: APP_ID, events: []}, 'events: empty'],
    ['bulk over 1000 events', bulk(MAX_BULK_EVENTS + 1), 'events: more than 1000 events'],
    ['bulk event not an object', {app_id: APP_ID, events: ['x']}, 'events[0]: must be an object'],
    ['bulk event with another app_id', bulk(2, (i) => (i === 1 ? {app_id: 'other'} : {})), 'events[1].app_id: differs'],
    ['bulk missing app_id', {events: bulk(1).events}, 'app_id: missing'],
  ];

  it.each(cases)('%s', async (_name, body, reason) => {
    const res = await track(heap.url, body);
    expect(res.status).toBe(400);
    expect(res.text.startsWith(reason), `${res.text} should start with ${reason}`).toBe(true);
    expect(heap.events()).toEqual([]);
    expect(heap.rejections()).toEqual([expect.objectContaining({status: 400, reason: res.text, path: '/api/track'})]);
  });

  it('names the bad event in a bulk body and rejects the whole request', async () => {
    const res = await track(
      heap.url,
      bulk(5, (i) => (i === 3 ? {identity: long(256)} : {})),
    );
    expect(res.status).toBe(400);
    expect(res.text).toBe('events[3].identity: longer than 255 characters (256)');
    expect(heap.events()).toHaveLength(0);
  });

  it('accepts the limits themselves (255, 1023, 1024, 2^53-1)', async () => {
    expect((await track(heap.url, single({identity: long(255), properties: {[long(1023)]: long(1023)}}))).status).toBe(
      200,
    );
    expect((await track(heap.url, single({event: long(1024)}))).status).toBe(200);
    expect((await track(heap.url, {...without('identity'), user_id: String(MAX_USER_ID)})).status).toBe(200);
    expect((await track(heap.url, single({timestamp: '2024-11-28T10:00:00.123+01:00'}))).status).toBe(200);
    expect((await track(heap.url, bulk(MAX_BULK_EVENTS))).status).toBe(200);
    expect(heap.events()).toHaveLength(4 + MAX_BULK_EVENTS);
    expect(heap.rejections()).toEqual([]);
  });

  it('answers a body that is not JSON with 400 and does not echo it', async () => {
    const res = await track(heap.url, `{"app_id": "${APP_ID}", "event": `);
    expect(res.status).toBe(400);
    expect(res.text).toBe('body: not valid JSON');
  });

  it('answers an empty body with 400', async () => {
    const res = await track(heap.url, '');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^body: empty/);
  });

  it('answers a content type other than application/json with 415', async () => {
    const res = await track(heap.url, JSON.stringify(single()), {contentType: 'text/plain'});
    expect(res.status).toBe(415);
    expect(res.text).toMatch(/^content-type: must be application\/json, got "text\/plain"/);
    const none = await track(heap.url, JSON.stringify(single()), {contentType: null});
    expect(none.status).toBe(415);
    expect((await track(heap.url, single(), {contentType: 'application/json; charset=utf-8'})).status).toBe(200);
    expect(heap.rejections().map((r) => r.status)).toEqual([415, 415]);
  });

  it('answers a body over maxBodyBytes with 413', async () => {
    const res = await track(
      heap.url,
      single({properties: Object.fromEntries(Array.from({length: 250}, (_, i) => [`k${i}`, long(1000)]))}),
    );
    expect(res.status).toBe(413);
    expect(res.text).toMatch(/^body: larger than 200000 bytes/);
    expect(heap.stats()).toMatchObject({rejected: 1, stored: 0});
  });

  it('validates add_user_properties (single and bulk users)', async () => {
    const ok = await post(heap.url, '/api/add_user_properties', {
      app_id: APP_ID,
      identity: IDENTITY,
      properties: {plan: 'pro'},
    });
    expect(ok.status).toBe(200);
    const okBulk = await post(heap.url, '/api/add_user_properties', {
      app_id: APP_ID,
      users: [
        {identity: 'a', properties: {n: 1}},
        {identity: 'b', properties: {n: 2}},
      ],
    });
    expect(okBulk.status).toBe(200);
    expect(heap.userProperties().map((u) => [u.identity, u.properties])).toEqual([
      [IDENTITY, {plan: 'pro'}],
      ['a', {n: 1}],
      ['b', {n: 2}],
    ]);
    const bad = await post(heap.url, '/api/add_user_properties', {
      app_id: APP_ID,
      users: [{identity: 'a', properties: {}}, {properties: {}}],
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toBe('users[1].identity: missing');
    const noProps = await post(heap.url, '/api/add_user_properties', {app_id: APP_ID, identity: 'a'});
    expect(noProps.text).toBe('properties: missing');
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await fetch(`${heap.url}/api/nope`)).status).toBe(404);
    const res = await fetch(`${heap.url}/api/track`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });
});

describe('conversions Heap documents (and undocumented kinds): stored converted, with a warning', () => {
  it('joins arrays with || and warns', async () => {
    expect((await track(heap.url, single({properties: {tags: ['a', 'b', 3]}}))).status).toBe(200);
    const [event] = heap.events();
    expect(event?.properties.tags).toBe('a||b||3');
    expect(event?.warnings).toEqual(['properties.tags: array of 3 joined with "||"']);
  });

  it('cuts a joined array at 1024 characters and warns', async () => {
    await track(heap.url, single({properties: {tags: [long(600), long(600)]}}));
    const [event] = heap.events();
    expect(event?.properties.tags).toHaveLength(1024);
    expect(event?.warnings).toContain('properties.tags: cut from 1202 to 1024 characters');
  });

  it('stores booleans as text, drops null, stores nested objects as JSON, each with a warning', async () => {
    await track(heap.url, single({properties: {flag: false, gone: null, nested: {a: 1}, n: 1.5}}));
    const [event] = heap.events();
    expect(event?.properties).toEqual({flag: 'false', nested: '{"a":1}', n: 1.5});
    expect(event?.warnings).toHaveLength(3);
    expect(event?.warnings.join('\n')).toMatch(
      /properties\.flag: boolean[\s\S]*properties\.gone: null dropped[\s\S]*properties\.nested: nested object/,
    );
  });

  it('warns about event names over 255, timestamps without offset and unknown fields', async () => {
    await track(heap.url, single({event: long(300), timestamp: '2024-11-28T10:00:00', colour: 'red'}));
    const [event] = heap.events();
    expect(event?.warnings).toEqual([
      "event: longer than 255 characters, the browser SDK's limit",
      'timestamp: no time zone offset; how Heap reads a local time is undocumented (send Z or ±hh:mm)',
      'body: unknown field "colour" ignored',
    ]);
  });

  it("accepts a server-side event name of 1024 characters (Heap's limit), rejects 1025", async () => {
    expect((await track(heap.url, single({event: long(1024)}))).status).toBe(200);
    expect(heap.events().map((e) => e.event.length)).toEqual([1024]);
    const res = await track(heap.url, single({event: long(1025)}));
    expect([res.status, res.text]).toEqual([400, 'event: longer than 1024 characters (1025)']);
  });

  it('answers deep nesting with 400 naming the property, not 500; 100 levels are stored as JSON text', async () => {
    const nest = (levels: number, open: string, close: string): string =>
      `${open.repeat(levels)}1${close.repeat(levels)}`;
    for (const [open, close] of [
      ['{"a":', '}'],
      ['[', ']'],
    ] as const) {
      const body = `{"app_id":"${APP_ID}","identity":"${IDENTITY}","event":"Deep","properties":{"deep":${nest(10_000, open, close)}}}`;
      const res = await track(heap.url, body);
      expect([res.status, res.text]).toEqual([
        400,
        "properties.deep: nested more than 100 levels deep (Local Heap's limit; Heap documents none)",
      ]);
    }
    const ok = await track(
      heap.url,
      `{"app_id":"${APP_ID}","identity":"${IDENTITY}","event":"Deep","properties":{"deep":${nest(100, '{"a":', '}')}}}`,
    );
    expect(ok.status).toBe(200);
    expect(heap.events()[0]?.properties.deep).toBe(nest(100, '{"a":', '}'));
    expect(heap.rejections().map((r) => r.status)).toEqual([400, 400]);
  });

  it('keeps a clean event free of warnings, with every field it sent', async () => {
    const body = single({timestamp: '2024-11-28T10:00:00Z', session_id: 's1', idempotency_key: 'k1'});
    const res = await track(heap.url, body);
    const [event] = heap.events();
    expect(event).toEqual({
      request_id: res.headers.get('x-local-heap-request-id'),
      received_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      app_id: APP_ID,
      event: 'Content Published',
      identity: IDENTITY,
      timestamp: '2024-11-28T10:00:00Z',
      session_id: 's1',
      idempotency_key: 'k1',
      properties: {content_id: 'post-1', title: 'Hello'},
      warnings: [],
    });
  });
});

describe('strict mode', () => {
  let strict: LocalHeap;
  beforeAll(async () => {
    strict = await startLocalHeap({port: 0, strict: true, rateLimits: false});
  });
  afterAll(() => strict.close());

  it.each([
    ['an array', {tags: ['a']}, 'properties.tags: array not allowed in strict mode'],
    ['a boolean', {flag: true}, 'properties.flag: boolean not allowed in strict mode'],
    ['a nested object', {author: {name: 'x'}}, 'properties.author: nested object not allowed in strict mode'],
    ['null', {title: null}, 'properties.title: null not allowed in strict mode'],
  ])('rejects %s with 400', async (_name, properties, reason) => {
    const res = await track(strict.url, single({properties}));
    expect(res.status).toBe(400);
    expect(res.text.startsWith(reason), res.text).toBe(true);
    expect(strict.events()).toEqual([]);
  });

  it("rejects event names over 255 (the browser SDK's limit)", async () => {
    const res = await track(strict.url, single({event: long(256)}));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/^event: longer than 255 characters/);
  });

  it('accepts a clean payload', async () => {
    expect((await track(strict.url, single({properties: {content_id: 'p', tags: 'a||b', n: 2}}))).status).toBe(200);
    expect(strict.events()).toHaveLength(1);
  });
});
