/**
 * The GitHub Actions workflows: every file passes actionlint (and a broken one
 * fails it), and the invariants the project relies on hold: Node 24, npm ci,
 * npm run check on every pull request and push; blueprints plan on pull
 * requests; blueprints deploy only on a push to main, after the check, with
 * Sanity's secret and variable names.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {parse} from 'yaml';
import {REPO_ROOT} from '../../tools/sanity-cli.ts';
import {actionlint, describeProblems} from './actionlint.ts';

const WORKFLOWS = join(REPO_ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  container?: string | {image: string};
  env?: Record<string, string>;
  permissions?: Record<string, string>;
  concurrency?: {group: string; 'cancel-in-progress': boolean | string};
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

const ciText = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');
const ci = parse(ciText) as Workflow;
const jobs = Object.entries(ci.jobs);
/** A GitHub expression as written in a workflow: `${{ secrets.X }}`. */
const gh = (expression: string): string => `\${{ ${expression} }}`;
const needs = (job: Job): string[] => (job.needs === undefined ? [] : [job.needs].flat());
const runs = (job: Job): string[] => job.steps.flatMap((s) => (s.run ? [s.run.trim()] : []));
const stepIndex = (job: Job, match: (s: Step) => boolean): number => job.steps.findIndex(match);

/** Jobs running `command` in one of their steps. */
const jobsRunning = (command: RegExp) => jobs.filter(([, job]) => runs(job).some((r) => command.test(r)));

describe('workflow files pass actionlint', () => {
  it('has workflow files to check', () => {
    expect(files).toContain('ci.yml');
  });

  it.each(files)('%s', async (file) => {
    const problems = await actionlint(readFileSync(join(WORKFLOWS, file), 'utf8'), file);
    expect(describeProblems(problems)).toBe('');
  });

  it.each([
    [
      'a job that needs a missing job',
      (t: string) => t.replace('needs: check', 'needs: chek'),
      /needs job "chek" which does not exist/,
    ],
    [
      'invalid YAML',
      (t: string) => t.replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n   steps: [\n'),
      /could not parse as YAML/,
    ],
    [
      'a typo in an expression',
      (t: string) => t.replace("github.event_name == 'push'", "github.event_nam == 'push'"),
      /property "event_nam" is not defined/,
    ],
    [
      'secrets in a job condition',
      (t: string) =>
        t.replace("vars.SANITY_BLUEPRINT_STACK_ID != ''\n    runs-on", "secrets.SANITY_AUTH_TOKEN != ''\n    runs-on"),
      /context "secrets" is not allowed here/,
    ],
    [
      'a misspelt key',
      (t: string) => t.replace('timeout-minutes: 20', 'timeout-minute: 20'),
      /unexpected key "timeout-minute"/,
    ],
  ])('fails ci.yml broken by %s', async (_what, breakIt, expected) => {
    const broken = breakIt(ciText);
    expect(broken).not.toBe(ciText);
    const problems = await actionlint(broken, 'ci.yml');
    expect(problems.length).toBeGreaterThan(0);
    expect(describeProblems(problems)).toMatch(expected);
  });
});

describe('ci.yml: the check', () => {
  it('runs on every pull request and every push', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.on.push ?? null).toBeNull();
    expect(ci.on.pull_request ?? null).toBeNull();
  });

  it('runs npm ci, then installs nothing else, then npm run check, on Node 24 with Chromium', () => {
    const checks = jobsRunning(/^npm run check$/);
    expect(checks.map(([name]) => name)).toEqual(['check']);
    const job = ci.jobs.check!;
    expect(job.if).toBeUndefined();
    const setupNode = stepIndex(job, (s) => s.uses?.startsWith('actions/setup-node@') === true);
    const npmCi = stepIndex(job, (s) => /^npm ci\b/.test(s.run?.trim() ?? ''));
    const chromium = stepIndex(job, (s) => /apt-get install .*\bchromium\b/.test(s.run ?? ''));
    const check = stepIndex(job, (s) => s.run?.trim() === 'npm run check');
    expect(String(job.steps[setupNode]?.with?.['node-version'])).toBe('24');
    expect(setupNode).toBeGreaterThanOrEqual(0);
    expect(chromium).toBeGreaterThanOrEqual(0);
    expect(npmCi).toBeGreaterThan(setupNode);
    expect(check).toBeGreaterThan(Math.max(npmCi, chromium));
  });

  it('uses Node 24 in every job that sets Node up', () => {
    const versions = jobs.flatMap(([, job]) =>
      job.steps.filter((s) => s.uses?.startsWith('actions/setup-node@')).map((s) => String(s.with?.['node-version'])),
    );
    expect(versions.length).toBe(3);
    expect(new Set(versions)).toEqual(new Set(['24']));
  });

  it('installs with npm ci (the lockfile), never npm install', () => {
    for (const [, job] of jobs) for (const r of runs(job)) expect(r).not.toMatch(/\bnpm (install|i)\b/);
  });
});

describe('ci.yml: blueprints plan and deploy', () => {
  it('plans on pull requests from this repository, with the official action and its input names', () => {
    const planners = jobs.filter(([, j]) =>
      j.steps.some((s) => s.uses?.startsWith('sanity-io/blueprints-actions/plan@')),
    );
    expect(planners.map(([name]) => name)).toEqual(['plan']);
    const job = ci.jobs.plan;
    expect(job!.if).toContain("github.event_name == 'pull_request'");
    expect(job!.if).toContain('github.event.pull_request.head.repo.full_name == github.repository');
    expect(job!.permissions).toEqual({contents: 'read', 'pull-requests': 'write'});
    const plan = job!.steps.find((s: Step) => s.uses?.startsWith('sanity-io/blueprints-actions/plan@'))!;
    expect(plan.with).toEqual({
      'sanity-token': gh('secrets.SANITY_AUTH_TOKEN'),
      'project-id': gh('vars.SANITY_PROJECT_ID'),
      'stack-id': gh('vars.SANITY_BLUEPRINT_STACK_ID'),
    });
    expect(stepIndex(job!, (s) => /^npm ci\b/.test(s.run ?? ''))).toBeLessThan(job!.steps.indexOf(plan));
  });

  it('deploys only on a push to main, after the check passed, one deploy at a time', () => {
    const deploys = jobsRunning(/sanity-run blueprints deploy/);
    expect(deploys.map(([name]) => name)).toEqual(['deploy']);
    const job = ci.jobs.deploy!;
    expect(needs(job)).toEqual(['check']);
    expect(job.if).toMatch(/^github\.event_name == 'push' && github\.ref == 'refs\/heads\/main'( && .*)?$/);
    expect(job.concurrency).toEqual({group: 'blueprints-deploy', 'cancel-in-progress': false});
    // Nothing else deploys: the deploy action is not used anywhere.
    expect(ciText).not.toContain('blueprints-actions/deploy');
  });

  it('passes Sanity secret and variable names to the deploy step only, not to npm ci', () => {
    const job = ci.jobs.deploy!;
    const deploy = job.steps.find((s) => s.id === 'deploy')!;
    expect(deploy.env).toMatchObject({
      SANITY_AUTH_TOKEN: gh('secrets.SANITY_AUTH_TOKEN'),
      SANITY_PROJECT_ID: gh('vars.SANITY_PROJECT_ID'),
      SANITY_BLUEPRINT_STACK_ID: gh('vars.SANITY_BLUEPRINT_STACK_ID'),
    });
    expect(job.env).toBeUndefined();
    for (const step of job.steps.filter((s) => /^npm ci\b/.test(s.run ?? ''))) expect(step.env).toBeUndefined();
    const withToken = job.steps.filter((s) => Object.values(s.env ?? {}).some((v) => v.includes('secrets.')));
    expect(withToken.map((s) => s.id ?? s.run?.trim())).toEqual([
      'deploy',
      'node_modules/.bin/sanity-run blueprints info',
    ]);
    const secretNames = new Set([...ciText.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]));
    expect(secretNames).toEqual(new Set(['SANITY_AUTH_TOKEN']));
  });

  it('runs the offline doctor before deploying, on the blueprint as it will be deployed', () => {
    const job = ci.jobs.deploy!;
    const doctor = stepIndex(job, (s) => s.run?.trim() === 'npm run doctor');
    expect(job.steps[doctor]?.env).toEqual({
      SANITY_PROJECT_ID: gh('vars.SANITY_PROJECT_ID'),
      SANITY_FUNCTION_DATASET: gh('vars.SANITY_FUNCTION_DATASET'),
    });
    expect(doctor).toBeGreaterThan(stepIndex(job, (s) => /^npm ci\b/.test(s.run ?? '')));
    expect(doctor).toBeLessThan(stepIndex(job, (s) => s.id === 'deploy'));
  });

  it('shows blueprints info after an unconfirmed deploy (exit 75), and only then', () => {
    const job = ci.jobs.deploy!;
    const info = job.steps[stepIndex(job, (s) => s.id === 'deploy') + 1]!;
    expect(info.if).toBe("failure() && steps.deploy.outputs.exit-code == '75'");
    expect(info.run?.trim()).toBe('node_modules/.bin/sanity-run blueprints info');
  });
});

describe('redrive.yml: the recovery loop', () => {
  const text = readFileSync(join(WORKFLOWS, 'redrive.yml'), 'utf8');
  const wf = parse(text) as Workflow;
  const job = wf.jobs.redrive!;
  const step = job.steps.find((s) => s.id === 'redrive')!;

  it('runs hourly and on demand, one run at a time, only where a stack is configured', () => {
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    expect(wf.on.schedule).toEqual([{cron: expect.stringMatching(/^\d+ \* \* \* \*$/)}]);
    expect(job.if).toBe("vars.SANITY_BLUEPRINT_STACK_ID != ''");
    expect((wf as unknown as {concurrency: unknown}).concurrency).toEqual({
      group: 'redrive',
      'cancel-in-progress': false,
    });
  });

  it("pipes the CLI's --json logs into npm run redrive, under pipefail, after npm ci on Node 24", () => {
    expect(step.run).toMatch(
      /sanity-run functions logs heap-content-sync --json --limit "\$\{LIMIT\}"[\s\S]*\| npm run redrive -- --logs -/,
    );
    expect((step as Step & {shell?: string}).shell).toBe('bash');
    const setupNode = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
    expect(String(setupNode.with?.['node-version'])).toBe('24');
    expect(stepIndex(job, (s) => /^npm ci\b/.test(s.run ?? ''))).toBeLessThan(job.steps.indexOf(step));
  });

  it("uses the deploy's Sanity secret and variables plus the function's Heap settings, in that step only", () => {
    expect(step.env).toMatchObject({
      SANITY_AUTH_TOKEN: gh('secrets.SANITY_AUTH_TOKEN'),
      SANITY_PROJECT_ID: gh('vars.SANITY_PROJECT_ID'),
      SANITY_BLUEPRINT_STACK_ID: gh('vars.SANITY_BLUEPRINT_STACK_ID'),
      HEAP_APP_ID: gh('secrets.HEAP_APP_ID'),
      HEAP_API_URL: gh('vars.HEAP_API_URL'),
    });
    const withSecrets = job.steps.filter((s) => Object.values(s.env ?? {}).some((v) => v.includes('secrets.')));
    expect(withSecrets).toEqual([step]);
    expect(new Set([...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]))).toEqual(
      new Set(['SANITY_AUTH_TOKEN', 'HEAP_APP_ID']),
    );
  });
});
