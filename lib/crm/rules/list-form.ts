import type { AnchorTarget, CrmRule, FieldSource, FieldSpec } from './schema';

/**
 * A rule in the list forms Chrome / Edge policy can carry (docs/crm-rules.md, "In Chrome / Edge policy"): the
 * managed schema declares one form per place — lists for `url`, `scope`, `anchor`, `label` and every field, URL
 * patterns as strings — and Chrome silently drops a whole value that does not fit. The same rule, read by the
 * same engine; a `{ regex }` URL pattern has no such form, and is reported instead.
 */

export interface ListFormResult {
  rule: CrmRule;
  /** Why the rule cannot go into Chrome policy as it is (empty when it can). */
  problems: string[];
}

const asList = <T>(value: T | readonly T[]): T[] => (Array.isArray(value) ? [...value] : [value as T]);

function sourceList(spec: FieldSpec): FieldSource[] {
  return asList(spec).map((source) => ('label' in source ? { ...source, label: asList(source.label) } : source));
}

function anchorList(anchor: NonNullable<CrmRule['anchor']>): AnchorTarget[] {
  return asList(anchor).map((target) => ('label' in target ? { ...target, label: asList(target.label) } : target));
}

function mapValues<T, U>(record: Record<string, T | undefined>, change: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).flatMap(([key, value]) => (value === undefined ? [] : [[key, change(value)]])));
}

export function toChromeListForm(rule: CrmRule): ListFormResult {
  const urls = asList(rule.url);
  const problems = urls
    .filter((pattern) => typeof pattern !== 'string')
    .map((pattern) => `rule '${rule.name}': the URL pattern ${JSON.stringify(pattern)} is in the regex form, which Chrome / Edge policy cannot carry (use Firefox policy, or a string pattern)`);
  const listed: CrmRule = {
    ...rule,
    url: urls.filter((pattern): pattern is string => typeof pattern === 'string'),
    fields: mapValues(rule.fields as Record<string, FieldSpec | undefined>, sourceList) as CrmRule['fields'],
    ...(rule.scope !== undefined ? { scope: asList(rule.scope) } : {}),
    ...(rule.anchor !== undefined ? { anchor: anchorList(rule.anchor) } : {}),
    ...(rule.extraFields !== undefined ? { extraFields: mapValues(rule.extraFields, sourceList) } : {}),
  };
  return { rule: listed, problems };
}
