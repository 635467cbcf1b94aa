/**
 * The browser bundle: built in-process with the same function `npm run build:browser`
 * uses; under 2 KB minified and gzipped, dependency-free, and working.
 */
import {mkdtempSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {EXAMPLE_DOCUMENTS} from '../../examples/web/content.ts';
import {type BrowserBuild, BUNDLE_FILE, buildBrowser, runBuild, SIZE_LIMIT_BYTES} from '../../scripts/build-browser.ts';
import * as source from '../../shared/browser.ts';

const outDir = mkdtempSync(join(tmpdir(), 'sanity-heap-build-'));
/** One in-memory build serves the tests that only inspect it. */
let report: BrowserBuild;
beforeAll(async () => {
  report = await buildBrowser({write: false});
});
afterAll(() => rmSync(outDir, {recursive: true, force: true}));

describe('browser bundle', () => {
  it('is under 2 KB minified and gzipped, with no imports', () => {
    expect(SIZE_LIMIT_BYTES).toBe(2048);
    expect(report.gzippedBytes).toBeGreaterThan(0);
    expect(report.gzippedBytes).toBeLessThanOrEqual(SIZE_LIMIT_BYTES);
    expect(report.withinLimit).toBe(true);
    expect(report.minifiedBytes).toBe(Buffer.byteLength(report.code));
    expect(report.code).not.toMatch(/\bimport\s*[{*"'(]|\brequire\(/);
  });

  it('exports the module API and computes what the source computes', async () => {
    const bundle = (await import(
      `data:text/javascript;base64,${Buffer.from(report.code).toString('base64')}`
    )) as typeof source;
    expect(Object.keys(bundle).sort()).toEqual(Object.keys(source).sort());
    // The page projection is a query-time string (shared/groq.ts): no GROQ ships to the browser.
    expect(report.code).not.toContain('_type == ');
    const content = {
      content_id: 'drafts.x',
      content_type: 'article',
      title: 'T'.repeat(2000),
      topics: ['a', 'b'],
      locale: null,
    };
    expect(bundle.contentProperties(content)).toEqual(source.contentProperties(content));
    expect(bundle.fitContext(source.contentProperties(content), 100)).toEqual(
      source.fitContext(source.contentProperties(content), 100),
    );
    expect(EXAMPLE_DOCUMENTS.length).toBeGreaterThan(0);
  });

  it('the build command writes the bundle, reports its size, and fails over the limit', async () => {
    const lines: string[] = [];
    expect(await runBuild({outDir}, (l) => lines.push(l))).toBe(0);
    const ok = JSON.parse(lines[0] ?? '{}');
    expect(ok).toMatchObject({level: 'info', file: join(outDir, BUNDLE_FILE), limit_bytes: SIZE_LIMIT_BYTES});
    expect(ok.gzipped_bytes).toBeLessThanOrEqual(SIZE_LIMIT_BYTES);
    expect(statSync(join(outDir, BUNDLE_FILE)).size).toBe(ok.minified_bytes);

    expect(await runBuild({outDir, limitBytes: 500}, (l) => lines.push(l))).toBe(1);
    expect(JSON.parse(lines[1] ?? '{}')).toMatchObject({
      level: 'error',
      msg: 'browser bundle over the 500-byte gzipped limit',
      limit_bytes: 500,
    });
  });
});
