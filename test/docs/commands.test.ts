/**
 * Every command printed in README.md, docs/*.md, the --help of every npm script and
 * the doctor's fixes works as written in a fresh clone (rules: test/docs/commands.ts).
 */

import {execFile} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {cliEnv, REPO_ROOT} from '../../tools/sanity-cli.ts';
import {
  checkCommand,
  commandsInMarkdown,
  commandsInText,
  type FoundCommand,
  type HelpText,
  markdownFiles,
  packageJson,
  scriptFile,
  scriptHelp,
} from './commands.ts';

const pkg = packageJson();
const help = new Map<string, string>();
let helpRuns: HelpText[] = [];
let doctorFixes = '';

beforeAll(async () => {
  const runnable = Object.entries(pkg.scripts).flatMap(([name, script]) => {
    const file = scriptFile(script);
    return file ? [{name, file}] : [];
  });
  helpRuns = await Promise.all(runnable.map(({name, file}) => scriptHelp(name, file)));
  for (const run of helpRuns) help.set(run.script, run.text);
  doctorFixes = await new Promise<string>((resolve) =>
    execFile(
      join(REPO_ROOT, 'node_modules/.bin/node'),
      ['scripts/doctor.ts', '--blueprint', 'no-such.blueprint.ts'],
      {
        cwd: REPO_ROOT,
        env: cliEnv({HEAP_APP_ID: '"12"', HEAP_API_URL: 'http://heapanalytics.com/api/track', HEAP_DRY_RUN: 'x'}),
        timeout: 60_000,
      },
      (_error, stdout) => resolve(stdout),
    ),
  );
}, 120_000);

function allCommands(): FoundCommand[] {
  return [
    ...markdownFiles().flatMap((file) => commandsInMarkdown(file, readFileSync(join(REPO_ROOT, file), 'utf8'))),
    ...helpRuns.flatMap((run) => commandsInText(`npm run ${run.script} -- --help`, run.text)),
    ...commandsInText('npm run doctor (its fixes)', doctorFixes),
  ];
}

describe('every printed command works as written', () => {
  it('every npm script that runs a file answers --help with exit 0 and some text', () => {
    expect(helpRuns.length).toBeGreaterThan(5);
    for (const run of helpRuns) {
      expect({script: run.script, code: run.code}).toEqual({script: run.script, code: 0});
      expect(run.text.trim().length, run.script).toBeGreaterThan(20);
    }
  });

  it('finds the commands in the README, the docs, the help texts and the doctor fixes', () => {
    const found = allCommands();
    const where = new Set(found.map((c) => c.where.replace(/:\d+$/, '')));
    expect(where).toContain('README.md');
    expect(where).toContain('docs/function.md');
    expect(where).toContain('npm run heap:local -- --help');
    expect(where).toContain('npm run doctor (its fixes)');
    expect(
      found.filter((c) => c.where === 'npm run doctor (its fixes)').map((c) => c.text.split(' ').slice(0, 3).join(' ')),
    ).toEqual(expect.arrayContaining(['npx sanity-run functions', 'npx node no-such.blueprint.ts']));
    expect(found.length).toBeGreaterThan(60);
  });

  it('each command passes the checks (or the list shows what to fix)', () => {
    const failures = allCommands().flatMap((c) =>
      checkCommand(c.text, pkg, help).problems.map((p) => `${c.where}: ${c.text}\n    ${p}`),
    );
    expect(failures).toEqual([]);
  });
});

describe('the checks themselves', () => {
  const verdict = (text: string) => checkCommand(text, pkg, help).problems;

  it('refuses node FILE.ts, sanity, unknown scripts, unknown bins, flags npm keeps, unknown flags and missing paths', () => {
    expect(verdict('node scripts/doctor.ts')).toEqual([expect.stringMatching(/Node 20 refuses \.ts/)]);
    expect(verdict('sanity functions test heap-content-sync')).toEqual([expect.stringMatching(/npx sanity-run/)]);
    expect(verdict('npm run no-such-script')).toEqual([expect.stringMatching(/does not exist/)]);
    expect(verdict('npx no-such-bin')).toEqual([expect.stringMatching(/not in node_modules\/\.bin/)]);
    expect(verdict('npm run backfill --dry-run')).toEqual([expect.stringMatching(/npm keeps it/)]);
    expect(verdict('npm run heap:local -- --no-such-flag')).toEqual([
      expect.stringMatching(/not in `npm run heap:local -- --help`/),
    ]);
    expect(verdict('npx sanity-run functions test heap-content-sync --no-such-flag')).toEqual([
      expect.stringMatching(/not a flag of `sanity-run functions test`/),
    ]);
    expect(verdict('npx sanity-run functions frobnicate')).toEqual([expect.stringMatching(/not a sanity-run command/)]);
    expect(verdict('curl --data @fixtures/no-such.json http://127.0.0.1:8080/invoke')).toEqual([
      expect.stringMatching(/fixtures\/no-such\.json, which does not exist/),
    ]);
  });

  it('accepts the forms that work, and marks account commands as such', () => {
    expect(
      verdict(
        'HEAP_DRY_RUN=1 npx sanity-run functions test heap-content-sync --file-before fixtures/null.json --file-after fixtures/article.v1.json',
      ),
    ).toEqual([]);
    expect(verdict('npm run heap:local -- --port 0 --strict --store .local-heap/events.jsonl')).toEqual([]);
    expect(verdict('npx node scripts/doctor.ts')).toEqual([]);
    expect(checkCommand('npx sanity-run blueprints deploy', pkg, help)).toEqual({problems: [], needsAccount: true});
    expect(checkCommand('npx sanity-run functions dev --port 8080', pkg, help)).toEqual({problems: []});
    // Run in the reader's Studio folder with the Studio's own CLI (docs/adopt.md).
    expect(checkCommand('npx sanity schema extract --path schema.json', pkg, help)).toEqual({problems: []});
    expect(checkCommand('npx sanity documents get <id> > my-document.json', pkg, help)).toEqual({
      problems: [],
      needsAccount: true,
    });
    expect(verdict('npx sanity schema extract --out schema.json')).toEqual([
      '--out is not a flag of `sanity schema extract`',
    ]);
    expect(verdict('npx sanity deploy')).toEqual([expect.stringMatching(/not a Studio command the docs use/)]);
  });
});
