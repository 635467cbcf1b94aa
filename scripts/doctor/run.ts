/**
 * The doctor without the process: load the blueprint module, run the three
 * checks, and turn the findings into lines. scripts/doctor.ts is the CLI.
 */
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import type {readSchemaFlag} from '../schema/extracted-schema.ts';
import {checkBlueprint} from './blueprint-check.ts';
import {checkConfig, configPresent} from './config-check.ts';
import {countProblems, type Finding, formatFinding, problem} from './finding.ts';
import {checkPlan, PLAN, type PlanInput} from './plan-check.ts';
import {checkSchemaFile} from './schema-check.ts';

export type LoadedBlueprint = {ok: true; file: string; value: unknown} | {ok: false; file: string; error: string};

/** Import a blueprint module (TypeScript runs directly on Node 24) and take its default export. */
export async function loadBlueprint(file: string): Promise<LoadedBlueprint> {
  const shown = path.relative(process.cwd(), file) || file;
  try {
    const mod = (await import(pathToFileURL(path.resolve(file)).href)) as {default?: unknown};
    return {ok: true, file: shown, value: mod.default};
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {ok: false, file: shown, error: message.split('\n')[0] ?? message};
  }
}

export interface DoctorInput {
  env: Record<string, string | undefined>;
  blueprint: LoadedBlueprint;
  plan?: PlanInput;
  /** `--schema <file>`: the extracted schema to check the plan against, or why it could not be read. */
  schema?: ReturnType<typeof readSchemaFlag>;
}

export interface DoctorReport {
  findings: Finding[];
  problems: number;
  /** One line per finding, then a summary line; secrets removed. */
  lines: string[];
}

/** What the summary says was checked: the configuration only when some HEAP_* variable was set; the schema with --schema. */
function checkedAreas(env: Record<string, string | undefined>, schemaFile?: string): string {
  const plan = schemaFile === undefined ? 'tracking plan' : `tracking plan, schema ${schemaFile}`;
  return configPresent(env)
    ? `checked: configuration, blueprint, ${plan}`
    : `checked: blueprint, ${plan}; configuration not checked: no HEAP_* variables set`;
}

export function runDoctor(input: DoctorInput): DoctorReport {
  const findings: Finding[] = [...checkConfig(input.env)];
  if (input.blueprint.ok) {
    findings.push(...checkBlueprint(input.blueprint.value));
  } else {
    findings.push(
      problem(
        'blueprint',
        `${input.blueprint.file} failed to load: ${input.blueprint.error}`,
        `run npx node ${input.blueprint.file} to see the whole error`,
      ),
    );
  }
  const plan = input.plan ?? PLAN;
  findings.push(...checkPlan(plan));
  if (input.schema) findings.push(...checkSchemaFile(input.schema, plan));

  const secrets = [input.env.HEAP_APP_ID?.trim(), input.env.SANITY_AUTH_TOKEN];
  const problems = countProblems(findings);
  const summary = `doctor: ${problems === 0 ? 'no problems' : `${problems} problem${problems === 1 ? '' : 's'}`} (${checkedAreas(input.env, input.schema?.file)})`;
  return {findings, problems, lines: [...findings.map((f) => formatFinding(f, secrets)), summary]};
}
