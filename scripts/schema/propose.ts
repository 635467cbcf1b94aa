/**
 * A tracking plan for a project's schema: for each standard property (the
 * names, kinds and limits of shared/tracking-plan.ts), the field that fits by
 * name and kind on each tracked type (scripts/schema/field-match.ts), as
 * TypeScript ready to paste over TRACKED_TYPES and PROPERTIES. The source most
 * types share becomes the property's `groq`, the others go in `byType`; a type
 * with no fitting field reads `null`, with a comment saying so.
 */
import type {PropertySpec} from '../../shared/tracking-plan.ts';
import {documentTypes, type ExtractedSchema} from './extracted-schema.ts';
import {closestSource} from './field-match.ts';

export interface Proposal {
  types: string[];
  properties: PropertySpec[];
  /** Per property name: the types where no field fits. */
  missing: Record<string, string[]>;
}

/** Document types a team writes (not Sanity's own `sanity.*` asset types). */
export const contentTypes = (schema: ExtractedSchema): string[] =>
  documentTypes(schema).filter((t) => !t.startsWith('sanity.'));

/**
 * The source most types share, or `null` when none has one. On a tie the plan's
 * current source wins (`select(_type == "article" => language, locale)`), else the first type's.
 */
function commonSource(found: readonly (string | undefined)[], current: string): string {
  const counts = new Map<string, number>();
  for (const s of found) if (s !== undefined) counts.set(s, (counts.get(s) ?? 0) + 1);
  let best: string | undefined;
  for (const [source, count] of counts) if (best === undefined || count > counts.get(best)!) best = source;
  if (best !== undefined && counts.get(current) === counts.get(best)) return current;
  return best ?? 'null';
}

export function propose(
  schema: ExtractedSchema,
  types: readonly string[],
  standard: readonly PropertySpec[],
): Proposal {
  const missing: Record<string, string[]> = {};
  const properties = standard.map((spec): PropertySpec => {
    const {byType: _old, ...shape} = spec;
    if (spec.groq.startsWith('_')) return {...shape};
    const found = types.map((type) => closestSource(schema, type, spec));
    const groq = commonSource(found, spec.groq);
    const byType: Record<string, string> = {};
    types.forEach((type, i) => {
      const source = found[i] ?? 'null';
      if (source !== groq) byType[type] = source;
    });
    const none = types.filter((_, i) => found[i] === undefined);
    if (none.length > 0) missing[spec.name] = none;
    return Object.keys(byType).length > 0 ? {...shape, groq, byType} : {...shape, groq};
  });
  return {types: [...types], properties, missing};
}

const str = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const key = (s: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s) ? s : str(s));

function propertyLine(p: PropertySpec): string {
  const parts = [`name: ${str(p.name)}`, `groq: ${str(p.groq)}`];
  if (p.byType)
    parts.push(
      `byType: {${Object.entries(p.byType)
        .map(([t, g]) => `${key(t)}: ${str(g)}`)
        .join(', ')}}`,
    );
  parts.push(`kind: ${str(p.kind)}`, `maxLength: ${p.maxLength}`);
  if (p.serverOnly) parts.push('serverOnly: true');
  return `  {${parts.join(', ')}},`;
}

/** The proposal as TypeScript for shared/tracking-plan.ts, with `command` (how it was made) in its header. */
export function formatProposal(proposal: Proposal, command: string, check: string): string {
  const lines = [
    `// Proposed by: ${command}`,
    '// Paste over TRACKED_TYPES and PROPERTIES in shared/tracking-plan.ts, then check it:',
    `//   ${check}`,
    '',
    `export const TRACKED_TYPES = [${proposal.types.map(str).join(', ')}] as const;`,
    '',
    'export const PROPERTIES: readonly PropertySpec[] = [',
  ];
  for (const p of proposal.properties) {
    const none = proposal.missing[p.name];
    if (none)
      lines.push(
        `  // ${p.name}: no field fits by name and kind on ${none.join(', ')}, so it reads null there (add one: studio/analytics-fields.ts)`,
      );
    lines.push(propertyLine(p));
  }
  lines.push('];');
  return `${lines.join('\n')}\n`;
}
