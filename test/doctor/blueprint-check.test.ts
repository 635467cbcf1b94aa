import {defineBlueprint, defineDocumentFunction} from '@sanity/blueprints';
import {describe, expect, it} from 'vitest';
import blueprint from '../../sanity.blueprint.ts';
import {checkBlueprint, EXPECTED} from '../../scripts/doctor/blueprint-check.ts';
import {type Finding, formatFinding} from '../../scripts/doctor/finding.ts';
import {FUNCTION_NAME} from '../../shared/function-settings.ts';
import {FUNCTION_PROJECTION, functionFilter} from '../../shared/groq.ts';

type Json = Record<string, unknown>;

/** The real blueprint's document, to break one thing at a time. */
function realDoc(): Json & {resources: Json[]} {
  return structuredClone(blueprint()) as unknown as Json & {resources: Json[]};
}
function withFunction(change: (fn: Json & {event: Json}) => void): Json {
  const doc = realDoc();
  const fn = doc.resources.find((r) => r.name === FUNCTION_NAME) as Json & {event: Json};
  change(fn);
  return doc;
}
const problems = (findings: Finding[]) => findings.filter((f) => f.severity === 'problem');
const messages = (findings: Finding[]) => problems(findings).map((f) => f.message);

describe('doctor: blueprint', () => {
  it('passes the project blueprint (module and document), noting that it is not scoped to one dataset', () => {
    for (const input of [blueprint, realDoc()]) {
      const findings = checkBlueprint(input);
      expect(problems(findings)).toEqual([]);
      expect(findings.some((f) => f.severity === 'note' && /not scoped to one dataset/.test(f.message))).toBe(true);
    }
  });

  it('expects the plan-generated filter and projection', () => {
    expect(EXPECTED).toEqual({
      name: FUNCTION_NAME,
      on: ['create', 'update', 'delete'],
      filter: functionFilter(),
      projection: FUNCTION_PROJECTION,
    });
  });

  it('notes the dataset a scoped function fires for', () => {
    const doc = withFunction((fn) => {
      fn.event.resource = {type: 'dataset', id: 'abc123.production'};
    });
    const findings = checkBlueprint(doc);
    expect(problems(findings)).toEqual([]);
    expect(findings.some((f) => f.message.includes('abc123.production only'))).toBe(true);
  });

  it('reports a default export that is not a blueprint', () => {
    for (const value of [42, undefined, 'sanity']) {
      const [p, ...rest] = checkBlueprint(value);
      expect(rest).toEqual([]);
      expect(p!.message).toMatch(/not a blueprint/);
      expect(p!.fix).toContain('defineBlueprint');
    }
  });

  it('reports a blueprint that throws when built', () => {
    const [p] = checkBlueprint(() => {
      throw new Error('boom');
    });
    expect(p!.message).toBe('the blueprint threw when built: boom');
  });

  it("reports @sanity/blueprints' own validation errors", () => {
    const doc = realDoc();
    (doc as Json).resources = {not: 'an array'};
    expect(messages(checkBlueprint(doc))).toContain('@sanity/blueprints: `resources` must be an array');

    const runtime = withFunction((fn) => {
      fn.runtime = 'nodejs10.x';
    });
    expect(
      messages(checkBlueprint(runtime)).some((m) =>
        /^@sanity\/blueprints: heap-content-sync: `runtime` must be one of/.test(m),
      ),
    ).toBe(true);
  });

  it('reports a missing function, naming the resources it found', () => {
    const doc = withFunction((fn) => {
      fn.name = 'heap-sync';
    });
    expect(messages(checkBlueprint(doc))).toEqual(['no resource named "heap-content-sync" (resources: "heap-sync")']);
  });

  it('reports a function of the wrong type', () => {
    const doc = withFunction((fn) => {
      fn.type = 'sanity.function.cron';
    });
    expect(messages(checkBlueprint(doc))).toContain(
      'heap-content-sync is a "sanity.function.cron", expected a sanity.function.document',
    );
  });

  it.each([
    [['publish'], /event.on is \["publish"\], expected \["create","update","delete"\]/],
    [['create', 'update'], /event.on is \["create","update"\]/],
    [undefined, /event.on is null \(Sanity then defaults to \["publish"\]\)/],
  ])('reports event.on = %j', (on, reason) => {
    const doc = withFunction((fn) => {
      if (on === undefined) delete fn.event.on;
      else fn.event.on = on;
    });
    const found = problems(checkBlueprint(doc));
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(reason);
    expect(found[0]!.fix).toBe('set event.on: ["create","update","delete"] in sanity.blueprint.ts');
  });

  it('accepts event.on in any order', () => {
    const doc = withFunction((fn) => {
      fn.event.on = ['delete', 'create', 'update'];
    });
    expect(problems(checkBlueprint(doc))).toEqual([]);
  });

  it('reports a blueprint built with the real definers that fires on publish', () => {
    const legacy = defineBlueprint({
      resources: [
        defineDocumentFunction({
          name: FUNCTION_NAME,
          event: {on: ['publish'], filter: functionFilter(), projection: FUNCTION_PROJECTION as `{${string}}`},
        }),
      ],
    });
    expect(messages(checkBlueprint(legacy))).toEqual([expect.stringMatching(/^event.on is \["publish"\]/)]);
  });

  it('reports includeDrafts and includeAllVersions', () => {
    const doc = withFunction((fn) => {
      fn.event.includeDrafts = true;
      fn.event.includeAllVersions = true;
    });
    expect(messages(checkBlueprint(doc))).toEqual([
      expect.stringMatching(/^event.includeDrafts is true/),
      expect.stringMatching(/^event.includeAllVersions is true/),
    ]);
  });

  it('reports HEAP_* values in the committed env without printing them', () => {
    const secret = 'app-id-0192837465';
    const doc = withFunction((fn) => {
      fn.env = {HEAP_APP_ID: secret, HEAP_DRY_RUN: '1', LOG_LEVEL: 'debug'};
    });
    const found = problems(checkBlueprint(doc));
    expect(found.map((f) => f.message.split(' ')[0])).toEqual(['HEAP_APP_ID', 'HEAP_DRY_RUN']);
    expect(found[0]!.fix).toBe(
      'remove it from sanity.blueprint.ts and run: npx sanity-run functions env add heap-content-sync HEAP_APP_ID <value>',
    );
    for (const f of found) expect(formatFinding(f)).not.toContain(secret);
  });

  it('reports a filter that is not the generated one', () => {
    const doc = withFunction((fn) => {
      fn.event.filter = '_type in ["article"]';
    });
    const found = problems(checkBlueprint(doc));
    expect(found.map((f) => f.message)).toEqual(['event.filter is not the filter generated from the tracking plan']);
    expect(found[0]!.fix).toContain('functionFilter()');
  });

  it('reports a projection that is not the generated one', () => {
    const doc = withFunction((fn) => {
      fn.event.projection = '{_id, title}';
    });
    expect(messages(checkBlueprint(doc))).toEqual([
      'event.projection is not the projection generated from the tracking plan',
    ]);
  });

  it('reports a filter or projection that does not parse in delta mode', () => {
    const doc = withFunction((fn) => {
      fn.event.projection = '{_id, "title": }';
    });
    expect(messages(checkBlueprint(doc))).toContainEqual(expect.stringMatching(/do not parse as GROQ in delta mode: /));
  });

  it('reports sub-queries and parameters, which functions do not allow', () => {
    const doc = withFunction((fn) => {
      fn.event.filter = '_type in $types';
      fn.event.projection = '{_id, "n": count(*[_type == "article"])}';
    });
    const found = messages(checkBlueprint(doc));
    expect(found).toContain('the filter or projection uses a parameter ($types), which Sanity Functions do not allow');
    expect(found).toContain('the filter or projection uses a sub-query (*[...]), which Sanity Functions do not allow');
  });
});
