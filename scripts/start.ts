/**
 * `npm start`: everything local, no accounts.
 * - Local Heap (Track API + live view) on 127.0.0.1:4300
 * - the Sanity Function emulator (`sanity-run functions dev`) wired to it
 * - the example website, whose `heap` shim forwards to Local Heap
 * Click create/update/delete in the emulator, browse the site, and watch the
 * server's "Content Published" and the page's "Content Viewed" arrive side by
 * side in the live view with the same content_id.
 *
 * Ports: LOCAL_HEAP_PORT (4300), FUNCTIONS_DEV_PORT (8080), EXAMPLE_SITE_PORT (5173); 0 = any free port.
 */
import {parseArgs} from 'node:util';
import type {FunctionContext} from '@sanity/functions';
import {EXAMPLE_DOCUMENTS} from '../examples/web/content.ts';
import {startExampleSite} from '../examples/web/serve.ts';
import {createHandler} from '../functions/heap-content-sync/index.ts';
import {startLocalHeap} from '../local-heap/server.ts';
import {TRACKED_TYPES} from '../shared/tracking-plan.ts';
import {projectChange} from '../tools/function-event.ts';
import {portFromEnv, startFunctionsDev} from './functions-dev.ts';

/** A placeholder environment id: Local Heap accepts any; real ones come from Heap's settings. */
const LOCAL_APP_ID = '1000000001';

const {values} = parseArgs({options: {help: {type: 'boolean', short: 'h'}, 'no-site': {type: 'boolean'}}});
if (values.help) {
  console.log(`npm start [-- --no-site]

Starts Local Heap, the Sanity Function emulator wired to it, and the example website.
Environment: LOCAL_HEAP_PORT (4300), FUNCTIONS_DEV_PORT (8080), EXAMPLE_SITE_PORT (5173); 0 = any free port.`);
  process.exit(0);
}

/**
 * Publish the example site's articles through the real handler, with the blueprint's
 * projection evaluated by groq-js over the site's dataset (dereferences resolved, as
 * deployed), so the live view shows each article's "Content Published" before the
 * page's "Content Viewed" for the same content_id.
 */
async function publishExampleContent(heapUrl: string): Promise<void> {
  const handler = createHandler({env: {HEAP_APP_ID: LOCAL_APP_ID, HEAP_API_URL: heapUrl}, write: () => {}});
  const context = {local: true, eventResourceId: 'local.example', clientOptions: {}} as unknown as FunctionContext;
  const tracked: readonly string[] = TRACKED_TYPES;
  for (const doc of EXAMPLE_DOCUMENTS.filter((d) => tracked.includes(d._type))) {
    const data = await projectChange(null, doc, [...EXAMPLE_DOCUMENTS]);
    await handler({context, event: {data}});
  }
}

const heap = await startLocalHeap({port: portFromEnv('LOCAL_HEAP_PORT', 4300)});
const closers: (() => Promise<void>)[] = [() => heap.close()];
const shutdown = async (code: number) => {
  for (const close of closers.reverse()) await close().catch(() => {});
  process.exit(code);
};
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  const dev = await startFunctionsDev({
    port: portFromEnv('FUNCTIONS_DEV_PORT', 8080),
    heapUrl: heap.url,
    appId: LOCAL_APP_ID,
  });
  closers.push(() => dev.close());
  const site = values['no-site']
    ? undefined
    : await startExampleSite({port: portFromEnv('EXAMPLE_SITE_PORT', 5173), heapUrl: heap.url, appId: LOCAL_APP_ID});
  if (site) {
    closers.push(() => site.close());
    await publishExampleContent(heap.url);
  }
  console.log(`
  Local Heap live view   ${heap.url}/
  Function emulator      ${dev.url}   (pick heap-content-sync, choose create/update/delete, Run)
${site ? `  Example website        ${site.url}\n` : ''}
  Events from the function and the website appear in the live view. Ctrl-C stops everything.`);
} catch (error) {
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
