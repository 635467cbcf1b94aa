import {describe, expect, it} from 'vitest';
import type {Finding} from '../../scripts/doctor/finding.ts';
import {checkPlan, PLAN, type PlanInput} from '../../scripts/doctor/plan-check.ts';
import {FUNCTION_PROJECTION, functionFilter} from '../../shared/groq.ts';
import type {PropertySpec} from '../../shared/tracking-plan.ts';

const messages = (findings: Finding[]) => findings.filter((f) => f.severity === 'problem').map((f) => f.message);
const plan = (change: Partial<PlanInput>): PlanInput => ({...PLAN, ...change});
const withProperty = (spec: PropertySpec): PlanInput => plan({properties: [...PLAN.properties, spec]});
const withEvents = (events: Record<string, string>): PlanInput => plan({events: {...PLAN.events, ...events}});

/** A second locale property reading `byType` per type. */
const localeBy = (byType: Record<string, string>): PlanInput =>
  withProperty({name: 'locale_2', groq: 'locale', byType, kind: 'string', maxLength: 35});

describe('doctor: per-type sources', () => {
  it('reports a source for a type the plan does not track (a typo would never apply)', () => {
    expect(messages(checkPlan(localeBy({article: 'language', aticle: 'lang'})))).toEqual([
      'property "locale_2" has a source for "aticle", which is not in TRACKED_TYPES',
    ]);
  });

  it('parses every per-type source and looks for what functions forbid', () => {
    const found = messages(checkPlan(localeBy({article: 'language[', landingPage: '$lang'})));
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^property "locale_2": GROQ "language\[" does not parse: /);
    expect(found[1]).toBe(
      'property "locale_2": GROQ "$lang" uses a parameter ($lang), which Sanity Functions do not allow',
    );
  });
});

describe('doctor: tracking plan', () => {
  it('passes the project plan, with the function rule checked as Sanity parses it', () => {
    expect(checkPlan()).toEqual([]);
    expect(PLAN.queries).toContainEqual({
      name: 'function rule',
      kind: 'function-rule',
      filter: functionFilter(),
      projection: FUNCTION_PROJECTION,
    });
  });

  it.each([['contentId'], ['Content ID'], ['2nd_author'], ['author-name']])(
    'reports property name %j as not snake_case',
    (name) => {
      const [p, ...rest] = checkPlan(withProperty({name, groq: 'title', kind: 'string', maxLength: 100})).filter(
        (f) => f.severity === 'problem',
      );
      expect(rest).toEqual([]);
      expect(p!.message).toMatch(new RegExp(`^property ${JSON.stringify(name)} is not snake_case`));
      expect(p!.fix).toMatch(/^rename it, e\.g\. "[a-z0-9_]+", in shared\/tracking-plan\.ts$/);
    },
  );

  it('reports a property key too long for the browser SDK', () => {
    const name = `k${'_x'.repeat(300)}`;
    expect(messages(checkPlan(withProperty({name, groq: 'title', kind: 'string', maxLength: 100})))).toEqual([
      expect.stringMatching(/keys must be under 512$/),
    ]);
  });

  it('reports duplicate property names, including a clash with a server context property', () => {
    expect(messages(checkPlan(withProperty({name: 'title', groq: 'heading', kind: 'string', maxLength: 100})))).toEqual(
      [expect.stringMatching(/^property name "title" is used twice/)],
    );
    expect(
      messages(checkPlan(withProperty({name: 'dataset', groq: 'dataset', kind: 'string', maxLength: 100}))),
    ).toEqual([expect.stringMatching(/^property name "dataset" is used twice/)]);
  });

  it.each([[1024], [5000], [0], [12.5]])('reports maxLength %d (Heap keeps values under 1024)', (maxLength) => {
    expect(messages(checkPlan(withProperty({name: 'subtitle', groq: 'subtitle', kind: 'string', maxLength})))).toEqual([
      `property "subtitle" has maxLength ${maxLength}; Heap keeps values under 1024 characters`,
    ]);
  });

  it('reports a property source that does not parse', () => {
    const found = messages(
      checkPlan(withProperty({name: 'subtitle', groq: 'subtitle[', kind: 'string', maxLength: 100})),
    );
    expect(found).toEqual([
      expect.stringMatching(/^property "subtitle": GROQ "subtitle\[" does not parse: .*position/),
    ]);
  });

  it('reports a property source with a sub-query or a parameter', () => {
    const subQuery = messages(
      checkPlan(
        withProperty({name: 'related', groq: '*[_type == "article"][0].title', kind: 'string', maxLength: 100}),
      ),
    );
    expect(subQuery).toContain(
      'property "related": GROQ "*[_type == \\"article\\"][0].title" uses a sub-query (*[...]), which Sanity Functions do not allow',
    );
    const param = messages(checkPlan(withProperty({name: 'site', groq: '$site', kind: 'string', maxLength: 100})));
    expect(param).toContain(
      'property "site": GROQ "$site" uses a parameter ($site), which Sanity Functions do not allow',
    );
  });

  it('reports a generated function rule that does not parse in delta mode or uses a sub-query', () => {
    const broken = plan({
      queries: [
        {name: 'function rule', kind: 'function-rule', filter: '_type == "article"', projection: '{"x": before(}'},
      ],
    });
    expect(messages(checkPlan(broken))).toEqual([
      expect.stringMatching(/^the generated function rule does not parse as GROQ in delta mode: /),
    ]);
    const sub = plan({
      queries: [{name: 'function rule', kind: 'function-rule', filter: 'count(*) > 0', projection: '{_id}'}],
    });
    expect(messages(checkPlan(sub))).toEqual([
      'the generated function rule uses a sub-query (*[...]), which Sanity Functions do not allow',
    ]);
  });

  it('parses delta functions only in delta mode (a projection is not a function rule)', () => {
    const pageWithBefore = plan({
      queries: [{name: 'page projection', kind: 'projection', projection: '{"t": before().title}'}],
    });
    expect(messages(checkPlan(pageWithBefore))).toEqual([
      expect.stringMatching(/^the generated page projection does not parse as GROQ: /),
    ]);
  });

  it('reports event names beyond Heap limits, padded, empty or reused', () => {
    expect(messages(checkPlan(withEvents({view: 'x'.repeat(256)})))).toEqual([
      "EVENTS.view is 256 characters; Heap's browser SDK allows 255",
    ]);
    expect(messages(checkPlan(withEvents({view: 'Content Viewed '})))).toEqual([
      expect.stringMatching(/^EVENTS.view "Content Viewed " has leading or trailing spaces/),
    ]);
    expect(messages(checkPlan(withEvents({view: ' '})))).toEqual(['EVENTS.view is empty']);
    expect(messages(checkPlan(withEvents({view: 'Content Updated'})))).toEqual([
      'event name "Content Updated" is used for more than one EVENTS entry',
    ]);
  });

  it('reports an empty or repeated list of tracked types', () => {
    expect(messages(checkPlan(plan({trackedTypes: []})))).toEqual([
      'TRACKED_TYPES is empty: no document would ever become an event',
    ]);
    expect(messages(checkPlan(plan({trackedTypes: ['article', 'article']})))).toEqual([
      'TRACKED_TYPES lists "article" twice',
    ]);
  });
});
