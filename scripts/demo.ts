/**
 * `npm run demo`: non-interactive. Starts Local Heap (strict) on a free port, runs
 * the fixture article's create, update and delete through the real Sanity CLI
 * (`sanity-run functions test heap-content-sync --file-before ... --file-after ...`)
 * into it, prints what arrived, and exits 0 only if all three events are there.
 * No accounts, no network.
 */
import {type StoredEvent, startLocalHeap} from '../local-heap/server.ts';
import {EVENTS} from '../shared/tracking-plan.ts';
import {helpRequested} from '../tools/cli-help.ts';
import {cliOutputText, functionLogLines, runFunctionTest} from '../tools/sanity-cli.ts';

const DEMO_APP_ID = '1000000001';
const SCOPE = {projectId: 'demo', dataset: 'production'};
const STEPS = [
  {name: 'create', expect: EVENTS.create, input: {before: 'fixtures/null.json', after: 'fixtures/article.v1.json'}},
  {
    name: 'update',
    expect: EVENTS.update,
    input: {before: 'fixtures/article.v1.json', after: 'fixtures/article.v2.json'},
  },
  {name: 'delete', expect: EVENTS.delete, input: {before: 'fixtures/article.v2.json', after: 'fixtures/null.json'}},
] as const;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function short(value: unknown, max = 48): string {
  const s = value === undefined ? '' : String(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export const USAGE = `npm run demo

Starts Local Heap (strict) on a free port, runs the fixture article's create, update and
delete through the real Sanity CLI (npx sanity-run functions test) into it, prints what
arrived, and exits 0 only if all three events are there. No accounts, no network.`;

async function main(): Promise<number> {
  if (helpRequested(USAGE)) return 0;
  const heap = await startLocalHeap({port: 0, strict: true});
  console.log(`Local Heap (strict) on ${heap.url}`);
  const problems: string[] = [];
  try {
    for (const step of STEPS) {
      const {before, after} = step.input;
      console.log(
        `\n$ sanity-run functions test heap-content-sync --file-before ${before} --file-after ${after} --project-id ${SCOPE.projectId} --dataset ${SCOPE.dataset}`,
      );
      const result = await runFunctionTest(step.input, {
        env: {HEAP_API_URL: heap.url, HEAP_APP_ID: DEMO_APP_ID},
        ...SCOPE,
      });
      const [line] = functionLogLines(cliOutputText(result));
      if (result.code !== 0 || !line) {
        problems.push(`${step.name}: the CLI exited ${result.code}: ${short(cliOutputText(result), 400)}`);
        console.log(`  failed (exit ${result.code})`);
        continue;
      }
      console.log(
        `  ${line.outcome}: ${line.event} ${line.content_id} (attempts ${line.attempts}, status ${line.status}, ${result.ms} ms)`,
      );
    }

    const events: StoredEvent[] = heap.events();
    console.log(`\nWhat arrived at Local Heap (${events.length} event${events.length === 1 ? '' : 's'}):\n`);
    const rows = [['#', 'event', 'content_id', 'timestamp', 'title', 'changed', 'idempotency_key']];
    for (const [i, e] of events.entries()) {
      rows.push([
        String(i + 1),
        e.event,
        short(e.properties.content_id, 32),
        e.timestamp ?? '',
        short(e.properties.title, 40),
        short(e.properties.changed_properties ?? '', 24),
        short(e.idempotency_key, 80),
      ]);
    }
    console.log(table(rows));

    const names = events.map((e) => e.event);
    for (const step of STEPS) {
      if (!names.includes(step.expect)) problems.push(`missing: ${step.expect} (${step.name})`);
    }
    const rejected = heap.rejections();
    if (rejected.length > 0)
      problems.push(
        `Local Heap rejected ${rejected.length} request(s): ${rejected.map((r) => `${r.status} ${r.reason}`).join('; ')}`,
      );
  } finally {
    await heap.close();
  }
  if (problems.length > 0) {
    console.error(`\nDemo FAILED:\n- ${problems.join('\n- ')}`);
    return 1;
  }
  console.log('\nDemo OK: create, update and delete each became one Heap event.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
