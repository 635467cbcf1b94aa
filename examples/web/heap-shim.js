/*
 * A tiny local stand-in for heap.js, for the example site only.
 *
 * The page's Heap snippet defines `window.heap` as an array with stub methods:
 * every early call is pushed as `[method, ...args]`. Like heap.js, this script
 * replaces that queue with a working `heap` object and replays the queued calls
 * in order. Events are forwarded to Local Heap's server-side Track API
 * (through the example server's same-origin proxy, `heap.config.trackUrl`):
 *
 * - `heap.track(name, props)`: one event, the event properties plus `props`;
 * - autocapture, simulated: a "Pageview" on load and on every History API
 *   change (pushState, replaceState, popstate), and a "Click" on every click,
 *   each carrying the event properties current at that moment;
 * - `addEventProperties` / `removeEventProperty` / `clearEventProperties` keep
 *   the event properties in a cookie, as heap.js does, so they persist across
 *   full page loads (and are silently lost beyond the browser's ~4 KB cookie limit).
 *
 * The real heap.js sends to Heap's own collection endpoint, not to the Track API;
 * this shim only reproduces what the site's code can observe.
 */
(() => {
  const snippet = window.heap;
  const queue = Array.isArray(snippet) ? snippet : [];
  const appId = snippet?.appid ?? '';
  const config = snippet?.config ?? {};
  const trackUrl = config.trackUrl ?? '/heap/api/track';
  const PROPS_COOKIE = 'heap_shim_event_props';
  const USER_COOKIE = 'heap_shim_user_id';

  const readCookie = (name) => {
    const match = document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`));
    return match ? decodeURIComponent(match[1]) : undefined;
  };
  const writeCookie = (name, value) => {
    // biome-ignore lint/suspicious/noDocumentCookie: heap.js keeps event properties in a cookie; the shim does the same.
    document.cookie = `${name}=${encodeURIComponent(value)}; path=/; SameSite=Lax`;
  };
  const readProps = () => {
    try {
      const parsed = JSON.parse(readCookie(PROPS_COOKIE) ?? '{}');
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    } catch {
      return {};
    }
  };
  const writeProps = (props) => writeCookie(PROPS_COOKIE, JSON.stringify(props));
  // Heap's anonymous user id: the string form of an integer below 2^53.
  const newUserId = () => String(Math.floor(Math.random() * Number.MAX_SAFE_INTEGER));

  let userId = readCookie(USER_COOKIE) ?? newUserId();
  writeCookie(USER_COOKIE, userId);
  let identity = null;
  let sending = Promise.resolve();

  // Sent one after another, so Local Heap receives them in the order they happened.
  const send = (path, body) => {
    const json = JSON.stringify(body);
    sending = sending.then(async () => {
      try {
        const response = await fetch(trackUrl.replace(/\/track$/, path), {
          method: 'POST',
          headers: {'Content-Type': 'application/json'},
          body: json,
          keepalive: true,
        });
        if (!response.ok) console.warn(`heap-shim: Local Heap answered ${response.status}: ${await response.text()}`);
      } catch (error) {
        console.warn(`heap-shim: could not reach Local Heap: ${error.message}`);
      }
    });
  };

  const record = (event, props) => {
    const body = {
      app_id: appId,
      event: String(event),
      timestamp: new Date().toISOString(),
      properties: {...readProps(), ...props},
    };
    if (identity) body.identity = identity;
    else body.user_id = userId;
    send('/track', body);
  };

  const api = {
    appid: appId,
    config,
    loaded: true,
    track: (event, props) => record(event, props),
    addEventProperties: (props) => writeProps({...readProps(), ...props}),
    removeEventProperty: (key) => {
      const props = readProps();
      delete props[key];
      writeProps(props);
    },
    clearEventProperties: () => writeProps({}),
    identify: (id) => {
      identity = String(id);
    },
    resetIdentity: () => {
      identity = null;
      userId = newUserId();
      writeCookie(USER_COOKIE, userId);
    },
    addUserProperties: (props) => {
      if (identity) send('/add_user_properties', {app_id: appId, identity, properties: props ?? {}});
    },
    /** For tests and the curious: the event properties currently set. */
    getEventProperties: () => readProps(),
  };
  // Older snippet names.
  api.setEventProperties = api.addEventProperties;
  api.unsetEventProperty = api.removeEventProperty;

  window.heap = api;
  for (const [method, ...args] of queue) {
    if (typeof api[method] === 'function') api[method](...args);
  }

  // Simulated autocapture.
  const pageview = () => record('Pageview', {path: location.pathname});
  for (const name of ['pushState', 'replaceState']) {
    const original = history[name];
    history[name] = function (...args) {
      const before = location.href;
      const result = original.apply(this, args);
      if (location.href !== before) pageview();
      return result;
    };
  }
  window.addEventListener('popstate', pageview);
  document.addEventListener(
    'click',
    (e) => {
      if (!(e.target instanceof Element)) return;
      const target = e.target.closest('a, button, [role="button"], input, label') ?? e.target;
      record('Click', {
        target_tag: target.tagName.toLowerCase(),
        target_id: target.id || undefined,
        target_text: (target.textContent ?? '').trim().slice(0, 100) || undefined,
        path: location.pathname,
      });
    },
    true,
  );
  pageview();
})();
