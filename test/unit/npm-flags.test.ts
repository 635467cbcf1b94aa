import {describe, expect, it} from 'vitest';
import {npmTakenFlags} from '../../scripts/npm-flags.ts';

const FLAGS = {'dry-run': {type: 'boolean'}, limit: {type: 'string'}, help: {type: 'boolean'}} as const;

describe('npmTakenFlags', () => {
  it('finds the flags npm kept for itself in `npm run x --flag`, and shows the command as meant', () => {
    const taken = npmTakenFlags('backfill', FLAGS, {npm_lifecycle_event: 'backfill', npm_config_dry_run: 'true'});
    expect(taken?.flags).toEqual(['--dry-run']);
    expect(taken?.message).toContain('npm_config_dry_run');
    expect(taken?.message).toMatch(/Put the script's flags after "--": npm run backfill -- --dry-run$/);
    const two = npmTakenFlags('redrive', FLAGS, {
      npm_lifecycle_event: 'redrive',
      npm_config_dry_run: 'true',
      npm_config_limit: 'true',
    });
    expect(two?.flags).toEqual(['--dry-run', '--limit']);
    expect(two?.message).toMatch(/npm run redrive -- --dry-run --limit VALUE$/);
  });

  it('finds nothing when the flags came after --, or another script (or no npm) started the process', () => {
    expect(npmTakenFlags('backfill', FLAGS, {npm_lifecycle_event: 'backfill'})).toBeUndefined();
    expect(npmTakenFlags('backfill', FLAGS, {npm_lifecycle_event: 'backfill', npm_config_dry_run: ''})).toBeUndefined();
    expect(npmTakenFlags('backfill', FLAGS, {npm_lifecycle_event: 'test', npm_config_dry_run: 'true'})).toBeUndefined();
    expect(npmTakenFlags('backfill', FLAGS, {npm_config_dry_run: 'true'})).toBeUndefined();
  });
});
