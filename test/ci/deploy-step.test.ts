/**
 * The deploy step's shell script, taken from ci.yml and run with bash the way
 * GitHub runs it (`bash --noprofile --norc -eo pipefail`), against a stand-in
 * `sanity-run` that exits with the code under test (the real CLI needs a Sanity
 * account). What is tested is the workflow's own branching on the exit code:
 * 0 deployed, 75 reported as unconfirmed and never retried, anything else failed.
 */
import {execFile} from 'node:child_process';
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {REPO_ROOT} from '../../tools/sanity-cli.ts';

interface Step {
  id?: string;
  run?: string;
}
const workflow = parse(await readFile(join(REPO_ROOT, '.github/workflows/ci.yml'), 'utf8')) as {
  jobs: Record<string, {steps: Step[]}>;
};
const script = workflow.jobs.deploy!.steps.find((s) => s.id === 'deploy')!.run!;

interface StepRun {
  code: number;
  stdout: string;
  calls: string[];
  output: string;
  summary: string;
}

describe('ci.yml deploy step', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'deploy-step-'));
    await mkdir(join(dir, 'node_modules/.bin'), {recursive: true});
    const fake = join(dir, 'node_modules/.bin/sanity-run');
    await writeFile(
      fake,
      '#!/usr/bin/env bash\necho "$*" >> "$FAKE_CALLS"\necho "sanity-run: $*"\nexit "$FAKE_EXIT"\n',
    );
    await chmod(fake, 0o755);
    await writeFile(join(dir, 'step.sh'), script);
  });
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true});
  });

  async function runStep(cliExit: number, env: Record<string, string> = {}): Promise<StepRun> {
    const files = {calls: join(dir, 'calls'), output: join(dir, 'output'), summary: join(dir, 'summary')};
    await Promise.all(Object.values(files).map((f) => writeFile(f, '')));
    const {code, stdout} = await new Promise<{code: number; stdout: string}>((resolve) => {
      execFile(
        'bash',
        ['--noprofile', '--norc', '-eo', 'pipefail', 'step.sh'],
        {
          cwd: dir,
          env: {
            PATH: process.env.PATH,
            FAKE_EXIT: String(cliExit),
            FAKE_CALLS: files.calls,
            GITHUB_OUTPUT: files.output,
            GITHUB_STEP_SUMMARY: files.summary,
            GITHUB_REPOSITORY: 'acme/site',
            GITHUB_SHA: '0123456789abcdef',
            GITHUB_RUN_ID: '42',
            SANITY_AUTH_TOKEN: 'sk-test-token',
            ...env,
          },
          timeout: 10_000,
        },
        (error, out) => resolve({code: error ? Number(error.code) : 0, stdout: out}),
      );
    });
    const read = (f: string) => readFile(f, 'utf8');
    const calls = (await read(files.calls)).split('\n').filter(Boolean);
    return {code, stdout, calls, output: await read(files.output), summary: await read(files.summary)};
  }

  it('uses no GitHub expressions in the script (values come in through env, never spliced into shell)', () => {
    expect(script).not.toContain(`\${{`);
  });

  it('exit 0: deployed, once, with a message naming the commit', async () => {
    const run = await runStep(0);
    expect(run.code).toBe(0);
    expect(run.calls).toEqual(['blueprints deploy --message acme/site@0123456789abcdef (run 42)']);
    expect(run.output).toBe('exit-code=0\n');
    expect(run.summary).toContain('Blueprint deployed from 0123456789abcdef');
  });

  it('exit 75: reported as unconfirmed with "check blueprints info", not retried, job fails', async () => {
    const run = await runStep(75);
    expect(run.code).toBe(75);
    expect(run.calls).toHaveLength(1);
    expect(run.output).toBe('exit-code=75\n');
    expect(run.stdout).toMatch(
      /^::error title=Blueprint deploy unconfirmed, check blueprints info::Deploy unconfirmed \(exit 75\)/m,
    );
    expect(run.stdout).toContain("check 'sanity blueprints info'");
    expect(run.stdout).toContain('Do not re-run blindly');
    expect(run.summary).toContain('Deploy unconfirmed (exit 75)');
  });

  it.each([2, 1])('exit %d: reported as failed with the CLI exit code', async (exit) => {
    const run = await runStep(exit);
    expect(run.code).toBe(exit);
    expect(run.calls).toHaveLength(1);
    expect(run.output).toBe(`exit-code=${exit}\n`);
    expect(run.stdout).toContain(`::error title=Blueprint deploy failed::blueprints deploy exited ${exit}`);
    expect(run.stdout).not.toContain('unconfirmed');
  });

  it('fails before calling the CLI when the token secret is missing', async () => {
    const run = await runStep(0, {SANITY_AUTH_TOKEN: ''});
    expect(run.code).toBe(1);
    expect(run.calls).toEqual([]);
    expect(run.stdout).toContain('::error title=Missing secret::SANITY_AUTH_TOKEN is not set');
  });
});
