/**
 * Flags npm kept for itself. `npm run x --dry-run` (no `--` before the flag)
 * does not pass `--dry-run` to the script: npm takes it as its own
 * configuration and sets `npm_config_dry_run=true` (any other `--name` becomes
 * `npm_config_name`, its value, if any, a plain argument). A script with a
 * `--dry-run` would then do the real thing. Call npmTakenFlags first thing and
 * refuse to run (exit 2) with its message, which shows the command as meant.
 *
 * Used by every script that has flags, through `npm run <script> -- --flag`.
 */

/** A script's flags, as node:util parseArgs takes them. */
export type FlagSpecs = Readonly<Record<string, {readonly type: 'boolean' | 'string'}>>;

export interface TakenFlags {
  /** The script's flags npm took, e.g. `['--dry-run']`. */
  flags: string[];
  /** What to tell the user: the flags, why, and the command to run instead. */
  message: string;
}

/** `dry-run` → `npm_config_dry_run` (npm's spelling of its configuration in the environment). */
const envName = (flag: string): string => `npm_config_${flag.replace(/-/g, '_')}`;

/**
 * The script's flags that npm took for itself in this run of `npm run <script>`, or undefined.
 * Only looks when `npm run <script>` started this process (npm_lifecycle_event), so a script
 * started any other way, or by another script, is never refused for its parent's settings.
 */
export function npmTakenFlags(
  script: string,
  specs: FlagSpecs,
  env: Record<string, string | undefined>,
): TakenFlags | undefined {
  if (env.npm_lifecycle_event !== script) return undefined;
  const taken = Object.entries(specs).filter(([name]) => {
    const value = env[envName(name)];
    return value !== undefined && value !== '';
  });
  if (taken.length === 0) return undefined;
  const flags = taken.map(([name]) => `--${name}`);
  const shown = taken.map(([name, spec]) => (spec.type === 'string' ? `--${name} VALUE` : `--${name}`)).join(' ');
  const vars = taken.map(([name]) => envName(name)).join(', ');
  return {
    flags,
    message:
      `npm kept ${flags.join(', ')} for itself (a flag before "--" goes to npm, which set ${vars}; an .npmrc can set it too), so ${script} did not get ${flags.length === 1 ? 'it' : 'them'}. Nothing was done. ` +
      `Put the script's flags after "--": npm run ${script} -- ${shown}`,
  };
}
