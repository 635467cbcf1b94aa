/**
 * `npm run doctor` end to end: the real CLI (node scripts/doctor.ts) on the
 * real blueprint and plan, and on a broken blueprint file and environment.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {doctor} from '../helpers/run-script.ts';

const lines = (out: string) => out.trim().split('\n');

describe('npm run doctor (the CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doctor-'));
  });
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  it('exits 0 on the project as committed, one line per finding and a summary', async () => {
    const run = await doctor([], {HEAP_APP_ID: '1234567890', HEAP_API_URL: 'https://c.eu.heap-api.com'});
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out.at(-1)).toBe('doctor: no problems (checked: configuration, blueprint, tracking plan)');
    for (const line of out.slice(0, -1)) expect(line).toMatch(/^NOTE (config|blueprint|plan): /);
    expect(run.stdout).not.toContain('1234567890');
  });

  it('with no HEAP_* set, the summary says the configuration was not checked (and does not claim it was)', async () => {
    const run = await doctor([], {});
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(
      /^NOTE config: no HEAP_\* variables in this environment, so the configuration was not checked/,
    );
    expect(out.at(-1)).toBe(
      'doctor: no problems (checked: blueprint, tracking plan; configuration not checked: no HEAP_* variables set)',
    );
  });

  it('exits 1 with one line per problem, each with its fix, and never prints the app id', async () => {
    const appId = '5554443332';
    const blueprint = join(dir, 'broken.blueprint.ts');
    await writeFile(
      blueprint,
      `export default () => ({
        $schema: 'https://schemas.sanity.io/blueprints/v2024-10-01/blueprint.schema.json',
        blueprintVersion: '2024-10-01',
        resources: [{type: 'sanity.function.document', name: 'heap-content-sync', env: {HEAP_APP_ID: '${appId}'},
          event: {on: ['publish'], filter: '_type == "article"', projection: '{_id}'}}],
      });\n`,
    );
    const run = await doctor(['--blueprint', blueprint], {HEAP_APP_ID: appId, HEAP_API_URL: 'http://heap.example.com'});
    expect(run.code).toBe(1);
    const problems = lines(run.stdout).filter((l) => l.startsWith('PROBLEM'));
    expect(problems.map((l) => l.replace(/: .*/, ''))).toEqual([
      'PROBLEM config',
      'PROBLEM blueprint',
      'PROBLEM blueprint',
      'PROBLEM blueprint',
      'PROBLEM blueprint',
    ]);
    expect(run.stdout).toContain('HEAP_API_URL must be an https URL');
    expect(run.stdout).toContain('HEAP_APP_ID is set in the blueprint');
    expect(run.stdout).toContain('event.on is ["publish"]');
    for (const line of problems) expect(line).toContain(' Fix: ');
    expect(lines(run.stdout).at(-1)).toBe('doctor: 5 problems (checked: configuration, blueprint, tracking plan)');
    expect(run.stdout + run.stderr).not.toContain(appId);
  });

  it('exits 1 when the blueprint does not load', async () => {
    const blueprint = join(dir, 'throws.blueprint.ts');
    await writeFile(blueprint, `throw new Error('cannot build the blueprint');\n`);
    const run = await doctor(['--blueprint', blueprint]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /^PROBLEM blueprint: .*throws\.blueprint\.ts failed to load: cannot build the blueprint Fix: /m,
    );
  });

  it('exits 2 with one JSON line on an unknown argument', async () => {
    const run = await doctor(['--blueprnt', 'x']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const error = JSON.parse(run.stderr.trim()) as {tool: string; error: string; usage: string};
    expect(error).toMatchObject({tool: 'doctor', usage: expect.stringContaining('npm run doctor')});
    expect(error.error).toContain('--blueprnt');
  });
});
