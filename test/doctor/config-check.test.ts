import {describe, expect, it} from 'vitest';
import {checkConfig} from '../../scripts/doctor/config-check.ts';
import {formatFinding} from '../../scripts/doctor/finding.ts';

const problems = (env: Record<string, string | undefined>) => checkConfig(env).filter((f) => f.severity === 'problem');
const lines = (env: Record<string, string | undefined>) =>
  checkConfig(env).map((f) => formatFinding(f, [env.HEAP_APP_ID]));

describe('doctor: configuration', () => {
  it('says the configuration was not checked when no HEAP_* variable is set', () => {
    const findings = checkConfig({PATH: '/usr/bin'});
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({severity: 'note', area: 'config'});
    expect(findings[0]!.message).toContain('npx sanity-run functions env list heap-content-sync');
  });

  it('accepts a complete, well-formed configuration and says where events go', () => {
    const findings = checkConfig({HEAP_APP_ID: '1234567890', HEAP_API_URL: 'https://c.eu.heap-api.com'});
    expect(findings.filter((f) => f.severity === 'problem')).toEqual([]);
    expect(findings.map((f) => f.message).join('\n')).toContain('https://c.eu.heap-api.com');
  });

  it('notes dry-run mode', () => {
    const findings = checkConfig({HEAP_APP_ID: '1234567890', HEAP_DRY_RUN: '1'});
    expect(findings.filter((f) => f.severity === 'problem')).toEqual([]);
    expect(findings.some((f) => f.severity === 'note' && f.message.includes('HEAP_DRY_RUN'))).toBe(true);
  });

  it('reports a missing HEAP_APP_ID when other HEAP_* variables are set, with the command that sets it', () => {
    const [p, ...rest] = problems({HEAP_API_URL: 'https://heapanalytics.com'});
    expect(rest).toEqual([]);
    expect(p!.message).toMatch(/^HEAP_APP_ID is not set/);
    expect(p!.fix).toContain('npx sanity-run functions env add heap-content-sync HEAP_APP_ID');
  });

  it.each([
    ['HEAP_API_URL', 'http://heapanalytics.com', /https/],
    ['HEAP_API_URL', 'not a url', /not a URL/],
    ['HEAP_API_URL', 'https://heapanalytics.com/api/track', /without \/api\/track/],
    ['HEAP_IDENTITY', 'x'.repeat(256), /at most 255/],
    ['HEAP_DRY_RUN', 'yes', /1 or 0/],
    ['HEAP_APP_ID', 'has space', /whitespace/],
  ])('reports a malformed %s (%s)', (variable, value, reason) => {
    const found = problems({HEAP_APP_ID: '1234567890', [variable]: value});
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toContain(variable);
    expect(found[0]!.message).toMatch(reason);
    expect(found[0]!.fix).toContain(`npx sanity-run functions env add heap-content-sync ${variable}`);
  });

  it.each([
    ['HEAP_API_URL', 'http://heapanalytics.com', 'https://heapanalytics.com'],
    ['HEAP_API_URL', 'http://c.eu.heap-api.com', 'https://c.eu.heap-api.com'],
    ['HEAP_API_URL', "'https://heapanalytics.com'", 'https://heapanalytics.com'],
  ])('the fix for %s=%s is the value that fits: %s', (variable, value, fixed) => {
    const [found, ...rest] = problems({HEAP_APP_ID: '1234567890', [variable]: value});
    expect(rest).toEqual([]);
    expect(found!.fix).toBe(
      `set it with: npx sanity-run functions env add heap-content-sync ${variable} ${fixed} (locally: export ${variable}=${fixed})`,
    );
  });

  it.each([
    ['abc', /HEAP_APP_ID must be digits only/],
    ['"1234567890"', /HEAP_APP_ID is wrapped in quotes/],
  ])('rejects HEAP_APP_ID=%s, as the function does', (value, reason) => {
    const found = problems({HEAP_APP_ID: value});
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(reason);
  });

  it('reports every bad variable at once, not just the first', () => {
    const found = problems({HEAP_APP_ID: '1234567890', HEAP_API_URL: 'ftp://x', HEAP_IDENTITY: 'y'.repeat(300)});
    expect(found.map((f) => f.message.split(' ')[0])).toEqual(['HEAP_API_URL', 'HEAP_IDENTITY']);
  });

  it('reports a HEAP_* variable the function does not read (a typo)', () => {
    const found = problems({HEAP_APP_ID: '1234567890', HEAP_APPID: '1234567890'});
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/^HEAP_APPID is not a variable the function reads/);
  });

  it('prints one line per finding and never the app id', () => {
    const appId = '9876543210';
    const out = lines({HEAP_APP_ID: appId, HEAP_API_URL: 'http://example.com', HEAP_APP: appId});
    expect(out.length).toBeGreaterThan(1);
    for (const line of out) {
      expect(line).not.toContain('\n');
      expect(line).not.toContain(appId);
      expect(line).toMatch(/^(PROBLEM|NOTE) config: .+/);
    }
    expect(out.filter((l) => l.startsWith('PROBLEM')).every((l) => l.includes(' Fix: '))).toBe(true);
  });
});

describe('doctor: finding lines', () => {
  it('removes secrets wherever they appear', () => {
    const line = formatFinding(
      {area: 'config', severity: 'problem', message: 'id 5550001111 leaked', fix: 'use 5550001111'},
      ['5550001111'],
    );
    expect(line).toBe('PROBLEM config: id [redacted] leaked Fix: use [redacted]');
  });

  it('keeps multi-line messages on one line', () => {
    expect(formatFinding({area: 'plan', severity: 'note', message: 'a\n  b'})).toBe('NOTE plan: a / b');
  });
});
