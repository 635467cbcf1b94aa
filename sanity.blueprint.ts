/**
 * The project's blueprint: one document function, `heap-content-sync`.
 *
 * Filter and projection are generated from the tracking plan (shared/groq.ts);
 * the timeout comes from shared/function-settings.ts, which also derives the
 * handler's delivery deadline from it. No `env`: HEAP_* values are set per
 * deployment with `sanity functions env add heap-content-sync KEY VALUE`.
 *
 * Dataset scoping: with SANITY_PROJECT_ID and SANITY_FUNCTION_DATASET set when
 * planning/deploying, the function only fires for `<projectId>.<dataset>`;
 * without them it fires for every dataset of the project (staging included).
 */
import {defineBlueprint, defineDocumentFunction} from '@sanity/blueprints';
import {FUNCTION_MEMORY_GB, FUNCTION_NAME, FUNCTION_TIMEOUT_SECONDS} from './shared/function-settings.ts';
import {FUNCTION_PROJECTION, functionFilter} from './shared/groq.ts';

/** Sanity dataset names: lowercase letters, digits, `_` and `-`, at most 64 characters (or `*`: all). */
const DATASET_NAME = /^(\*|[a-z0-9][a-z0-9_-]{0,63})$/;
const PROJECT_ID = /^[a-z0-9]{1,64}$/;

/**
 * `event.resource` for the dataset named by SANITY_FUNCTION_DATASET, or undefined
 * (every dataset). A dedicated variable rather than SANITY_DATASET, which studios
 * and scripts set for their own reasons: scoping the function is a deploy decision.
 */
export function datasetResource(
  env: Record<string, string | undefined> = process.env,
): {type: 'dataset'; id: string} | undefined {
  const dataset = env.SANITY_FUNCTION_DATASET?.trim();
  if (!dataset) return undefined;
  const projectId = env.SANITY_PROJECT_ID?.trim();
  if (!projectId) {
    throw new Error(
      `SANITY_FUNCTION_DATASET=${dataset} needs SANITY_PROJECT_ID too (the function is scoped to <projectId>.<dataset>)`,
    );
  }
  if (!PROJECT_ID.test(projectId))
    throw new Error(`SANITY_PROJECT_ID ${JSON.stringify(projectId)} is not a Sanity project id`);
  if (!DATASET_NAME.test(dataset))
    throw new Error(`SANITY_FUNCTION_DATASET ${JSON.stringify(dataset)} is not a Sanity dataset name`);
  return {type: 'dataset', id: `${projectId}.${dataset}`};
}

const resource = datasetResource();

export default defineBlueprint({
  resources: [
    defineDocumentFunction({
      name: FUNCTION_NAME,
      displayName: 'Heap content sync',
      timeout: FUNCTION_TIMEOUT_SECONDS,
      memory: FUNCTION_MEMORY_GB,
      event: {
        on: ['create', 'update', 'delete'],
        filter: functionFilter(),
        projection: FUNCTION_PROJECTION as `{${string}}`,
        ...(resource ? {resource} : {}),
      },
    }),
  ],
});
