/** Small HTTP helpers shared by the Local Heap tests (real requests with fetch). */

export const APP_ID = '1234567890';
export const IDENTITY = 'system:sanity-content';

export interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

/** POST `body` (JSON-encoded unless a string) to `url + path`. */
export async function post(
  url: string,
  path: string,
  body: unknown,
  init: {contentType?: string | null; signal?: AbortSignal} = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  const contentType = init.contentType === undefined ? 'application/json' : init.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: init.signal,
  });
  return {status: res.status, text: await res.text(), headers: res.headers};
}

/** DELETE `url + path` as the control API requires (content-type: application/json). */
export async function del(url: string, path: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {method: 'DELETE', headers: {'content-type': 'application/json'}});
  return {status: res.status, text: await res.text(), headers: res.headers};
}

export function track(
  url: string,
  body: unknown,
  init?: {contentType?: string | null; signal?: AbortSignal},
): Promise<Answer> {
  return post(url, '/api/track', body, init);
}

/** A valid single-event body; `extra` overrides or adds fields. */
export function single(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    app_id: APP_ID,
    identity: IDENTITY,
    event: 'Content Published',
    properties: {content_id: 'post-1', title: 'Hello'},
    ...extra,
  };
}

/** A bulk body of `n` events; `each(i)` overrides per event. */
export function bulk(n: number, each: (i: number) => Record<string, unknown> = () => ({})): Record<string, unknown> {
  return {
    app_id: APP_ID,
    events: Array.from({length: n}, (_, i) => ({
      identity: IDENTITY,
      event: 'Content Updated',
      properties: {content_id: `post-${i}`},
      ...each(i),
    })),
  };
}
