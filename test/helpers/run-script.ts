/** Runs a script of this repository the way its npm script does (Node 24, repository root, a clean environment). */
import {execFile} from 'node:child_process';
import {join} from 'node:path';
import {BIN_DIR, cliEnv, type EnvOverrides, REPO_ROOT} from '../../tools/sanity-cli.ts';

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runScript(script: string, args: string[] = [], env: EnvOverrides = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      join(BIN_DIR, 'node'),
      [script, ...args],
      {cwd: REPO_ROOT, env: cliEnv(env), timeout: 20_000},
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({code, stdout, stderr});
      },
    );
  });
}

/** `npm run doctor -- ...args`. */
export const doctor = (args: string[] = [], env: EnvOverrides = {}): Promise<Run> =>
  runScript('scripts/doctor.ts', args, env);
