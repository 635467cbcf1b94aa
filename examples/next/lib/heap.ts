/**
 * The example's Heap settings (server side). HEAP_APP_ID: the environment id
 * the page's snippet loads; HEAP_API_URL: where the same-origin proxy
 * (`/heap/api/track`) forwards the shim's events, Local Heap by default.
 */
export const HEAP_SNIPPET_CONFIG = {trackUrl: '/heap/api/track'};

export const heapAppId = (env: NodeJS.ProcessEnv = process.env): string => env.HEAP_APP_ID || 'local-example';
export const heapApiUrl = (env: NodeJS.ProcessEnv = process.env): string => env.HEAP_API_URL || 'http://127.0.0.1:4300';
