/**
 * Shared by the reliability tests: the function's context, one invocation of
 * the real handler with its log lines captured, and the checks that a stored
 * event is valid under Heap's strictest rules.
 */
import type {DocumentEventHandler, FunctionContext} from '@sanity/functions';
import type {LogRecord} from '../../functions/heap-content-sync/index.ts';
import type {StoredEvent} from '../../local-heap/server.ts';
import {MAX_EVENT_NAME, MAX_IDENTITY, MAX_PROPERTY_LENGTH} from '../../shared/heap-rules.ts';
import {PROPERTY_KEY} from '../../shared/normalize.ts';

export const RESOURCE_ID = 'rel1project.production';

export function functionContext(token?: string): FunctionContext {
  return {
    eventResourceType: 'dataset',
    eventResourceId: RESOURCE_ID,
    functionResourceType: 'project',
    functionResourceId: 'rel1project',
    clientOptions: {
      projectId: 'rel1project',
      dataset: 'production',
      apiHost: 'https://api.sanity.io',
      ...(token ? {token} : {}),
    },
  } as unknown as FunctionContext;
}

export interface Invocation {
  lines: string[];
  records: LogRecord[];
  /** What the handler threw (the platform marks the invocation failed), if anything. */
  error?: unknown;
}

/** Call the handler once; `lines` is where its `write` option sent the log line(s). */
export async function invoke(
  handler: DocumentEventHandler<unknown>,
  lines: string[],
  data: unknown,
  context = functionContext(),
): Promise<Invocation> {
  const from = lines.length;
  let error: unknown;
  try {
    await handler({context, event: {data}} as Parameters<DocumentEventHandler<unknown>>[0]);
  } catch (e) {
    error = e;
  }
  const mine = lines.slice(from);
  return {lines: mine, records: mine.map((l) => JSON.parse(l) as LogRecord), error};
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Problems with a stored event under the strictest reading of Heap's rules (empty = valid). */
export function invalidities(e: StoredEvent): string[] {
  const problems: string[] = [];
  if (e.event.length === 0 || e.event.length > MAX_EVENT_NAME)
    problems.push(`event name of ${e.event.length} characters`);
  if (e.identity === undefined || e.identity.length === 0 || e.identity.length > MAX_IDENTITY)
    problems.push('identity missing or too long');
  if (e.warnings.length > 0) problems.push(`Local Heap converted values: ${e.warnings.join('; ')}`);
  if (!e.idempotency_key) problems.push('no idempotency_key');
  for (const [key, value] of Object.entries(e.properties)) {
    if (!PROPERTY_KEY.test(key)) problems.push(`property key ${JSON.stringify(key)} is not snake_case`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push(`${key}: non-finite number`);
    } else if (typeof value === 'string') {
      if (value.length >= MAX_PROPERTY_LENGTH) problems.push(`${key}: ${value.length} characters`);
      if (value === '') problems.push(`${key}: empty string`);
      if (LONE_SURROGATE.test(value)) problems.push(`${key}: lone surrogate`);
    } else {
      problems.push(`${key}: ${typeof value}`);
    }
  }
  return problems;
}
