/**
 * The baseline's deployable entry, the counterpart of
 * functions/heap-content-sync/index.ts: importing it is its cold start (the
 * Sanity client is created at module load from the environment, as in the
 * guides), and it exports the node:http route as `handler`.
 * `node bench/baseline/index.ts` serves it on $PORT (default 3000).
 */
import {configFromEnv, createWebhookHandler, createWebhookServer} from './webhook.ts';

const config = configFromEnv();

export const handler = createWebhookHandler(config);

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 3000);
  createWebhookServer(config).listen(port, '127.0.0.1', () =>
    console.log(`baseline webhook route on http://127.0.0.1:${port}`),
  );
}
