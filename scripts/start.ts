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
 * The rule (tools/ports.ts): a port you set that is taken is refused in one line naming its
 * variable (exit 2); a taken default is replaced by a free port and said so. Each URL is
 * printed once its service answers.
 */
import {parseArgs} from 'node:util';
import type {FunctionContext} from '@sanity/functions';
import {EXAMPLE_DOCUMENTS} from '../examples/web/content.ts';
import {
  DEFAULT_PORT as SITE_DEFAULT_PORT,
  PORT_VARIABLE as SITE_PORT_VARIABLE,
  startExampleSiteOnPort,
} from '../examples/web/serve.ts';
import {createHandler} from '../functions/heap-content-sync/index.ts';
import {startLocalHeapOnPort} from '../local-heap/cli.ts';
import {TRACKED_TYPES} from '../shared/tracking-plan.ts';
import {projectChange} from '../tools/function-event.ts';
import {PortError, portSetting, startOnPort} from '../tools/ports.ts';
import {
  DEFAULT_PORT as DEV_DEFAULT_PORT,
  PORT_VARIABLE as DEV_PORT_VARIABLE,
  startFunctionsDev,
} from './functions-dev.ts';

/** A placeholder environment id: Local Heap accepts any; real ones come from Heap's settings. */
const LOCAL_APP_ID = '1000000001';

const {values} = (() => {
  try {
    return parseArgs({options: {help: {type: 'boolean', short: 'h'}, 'no-site': {type: 'boolean'}}});
  } catch (error) {
    const message = error instanceof Error ? error.message.split('. ')[0] : String(error);
    console.error(
      `npm start: ${message}; ports are set by LOCAL_HEAP_PORT, FUNCTIONS_DEV_PORT, EXAMPLE_SITE_PORT (npm start -- --help)`,
    );
    process.exit(2);
  }
})();
if (values.help) {
  console.log(`npm start [-- --no-site]

Starts Local Heap, the Sanity Function emulator wired to it, and the example website.
Environment: LOCAL_HEAP_PORT (4300), FUNCTIONS_DEV_PORT (8080), EXAMPLE_SITE_PORT (5173); 0 = any free port.
A port you set that is taken is refused (exit 2); a taken default is replaced by a free port.`);
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

const HOST = '127.0.0.1';
const closers: (() => Promise<void>)[] = [];
const shutdown = async (code: number) => {
  for (const close of closers.reverse()) await close().catch(() => {});
  process.exit(code);
};
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
const note = (line: string) => console.log(line);

try {
  const heap = await startLocalHeapOnPort({host: HOST, note});
  closers.push(() => heap.close());
  const site = values['no-site']
    ? undefined
    : await startExampleSiteOnPort({
        setting: portSetting(SITE_PORT_VARIABLE, SITE_DEFAULT_PORT),
        note,
        host: HOST,
        heapUrl: heap.url,
        appId: LOCAL_APP_ID,
      });
  if (site) closers.push(() => site.close());
  const dev = await startOnPort(
    portSetting(DEV_PORT_VARIABLE, DEV_DEFAULT_PORT),
    'Function emulator',
    HOST,
    (port) => startFunctionsDev({port, host: HOST, heapUrl: heap.url, appId: LOCAL_APP_ID}),
    note,
  );
  closers.push(() => dev.close());
  if (site) await publishExampleContent(heap.url);
  console.log(`
  Local Heap live view   ${heap.url}/
  Function emulator      ${dev.url}
${site ? `  Example website        ${site.url}\n` : ''}
  Events from the function and the website appear in the live view. Ctrl-C stops everything.

  In the emulator the document starts empty, and an empty document is skipped by the
  function's filter ("Skipping invoke"). To send an event: pick heap-content-sync, choose
  "create", paste the whole of fixtures/article.v1.json into Document, Run. For "update",
  paste fixtures/article.v1.json as Before and fixtures/article.v2.json as After.
  From a script: POST ${dev.url}/invoke (docs/function.md, "The emulator from a script").`);
} catch (error) {
  if (error instanceof PortError) {
    console.error(error.message);
    await shutdown(2);
  }
  console.error(`npm start failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown(1);
}
