/**
 * The function's HEAP_* configuration, checked with the function's own reader
 * (shared/config.ts loadConfig), one variable at a time so that every bad value
 * is reported at once rather than only the first.
 *
 * Production values live in Sanity (`npx sanity-run functions env add`), out of reach
 * offline: the doctor checks the values in its own environment, i.e. the ones
 * you are about to set. With no HEAP_* variable at all there is nothing to check.
 */
import {CONFIG_VARIABLES, ConfigError, type HeapConfig, loadConfig} from '../../shared/config.ts';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {type Finding, note, problem} from './finding.ts';

type Env = Record<string, string | undefined>;

const KNOWN: readonly string[] = CONFIG_VARIABLES;
/** A well-formed stand-in, so that each other variable is checked on its own. */
const PLACEHOLDER_APP_ID = '0000000000';

function variableProblem(variable: string, env: Env): Finding | undefined {
  const probe: Env = {HEAP_APP_ID: PLACEHOLDER_APP_ID, [variable]: env[variable]};
  try {
    loadConfig(probe);
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return problem('config', error.problem, `set it with: ${error.fix}`);
    throw error;
  }
}

const heapVariables = (env: Env): string[] =>
  Object.keys(env).filter((k) => k.startsWith('HEAP_') && env[k] !== undefined);

/** Whether there is any configuration to check (some HEAP_* variable is set). */
export const configPresent = (env: Env): boolean => heapVariables(env).length > 0;

export function checkConfig(env: Env): Finding[] {
  const present = heapVariables(env);
  if (present.length === 0) {
    return [
      note(
        'config',
        `no HEAP_* variables in this environment, so the configuration was not checked; production values are in Sanity (npx sanity-run functions env list ${FUNCTION_NAME}). To check values before setting them: HEAP_APP_ID=<id> HEAP_API_URL=<url> npm run doctor`,
      ),
    ];
  }
  const findings: Finding[] = [];
  for (const name of present.filter((k) => !KNOWN.includes(k))) {
    findings.push(
      problem(
        'config',
        `${name} is not a variable the function reads (it reads ${KNOWN.join(', ')})`,
        `rename it to the variable you meant, or unset it`,
      ),
    );
  }
  for (const variable of KNOWN) {
    const found = variableProblem(variable, env);
    if (found) findings.push(found);
  }
  if (findings.some((f) => f.severity === 'problem')) return findings;

  const config: HeapConfig = loadConfig(env);
  findings.push(note('config', `events go to ${config.apiUrl} as identity ${JSON.stringify(config.identity)}`));
  if (config.dryRun)
    findings.push(note('config', 'HEAP_DRY_RUN is on: the function logs each request instead of sending it'));
  return findings;
}
