/**
 * What the doctor reports: problems (exit 1) and notes (information only),
 * each printed as exactly one line that names the fix.
 */
import {scrubSecrets} from '../../shared/log.ts';

export type Area = 'config' | 'blueprint' | 'plan' | 'schema';

export interface Finding {
  area: Area;
  severity: 'problem' | 'note';
  message: string;
  /** What to do about it (problems always have one). */
  fix?: string;
}

export const problem = (area: Area, message: string, fix: string): Finding => ({
  area,
  severity: 'problem',
  message,
  fix,
});
export const note = (area: Area, message: string): Finding => ({area, severity: 'note', message});

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' / ').trim();

/** `PROBLEM blueprint: <message> Fix: <fix>` or `NOTE config: <message>`, secrets removed. */
export function formatFinding(f: Finding, secrets: readonly (string | undefined)[] = []): string {
  const label = f.severity === 'problem' ? 'PROBLEM' : 'NOTE';
  const fix = f.fix ? ` Fix: ${oneLine(f.fix)}` : '';
  return scrubSecrets(`${label} ${f.area}: ${oneLine(f.message)}${fix}`, secrets);
}

export const countProblems = (findings: readonly Finding[]): number =>
  findings.filter((f) => f.severity === 'problem').length;
