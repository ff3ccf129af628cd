import type { AnchorPlacement, CrmProfile, LeadReading } from '../profile';
import { classify } from './classify';
import { collectPage, type ExtraFieldSpec, findAnchorIn, resolveRoot } from './collect';
import { RULE_FIELDS, type RuleField } from './fields';
import type { AnchorTarget, CrmRule, FieldSource } from './schema';
import { MAX_EXTRA_FIELDS } from './fields';
import { compileUrlPattern, type UrlMatcher, type UrlParams } from './url-pattern';

/**
 * The one engine for built-in profiles and admin rules: a declaration (lib/crm/rules/schema.ts) is compiled
 * into a CrmProfile. Input is treated as untrusted even though the background validated it (the content script
 * gets it over a message and a newer policy may carry keys this version does not know): anything unusable is
 * skipped or reported by rule name, nothing throws past compileRule / readLead / findAnchor.
 */

export interface CompiledProfile extends CrmProfile {
  matchUrl(url: URL): UrlParams | null;
  rule: NormalisedRule;
}

export interface NormalisedRule {
  id: string;
  name: string;
  origin: 'built-in' | 'rule';
  frame?: string;
  scope: string[];
  require: ('name' | 'phone' | 'email')[];
  fields: Partial<Record<RuleField, FieldSource[]>>;
  /** The card's extra fields (extraFields), label and sources, in the rule's order. */
  extraFields: ExtraFieldSpec[];
  anchor: AnchorTarget[];
  floating: boolean;
  /** Dispatch the documented page events on the CRM page (lib/crm/page-events.ts). */
  pageEvents: boolean;
  crmIdTemplate: string;
  /** See lib/crm/watch/freshness.ts. */
  settleMs: number;
}

/** Names the CRM, the tenant and the record, so equal record ids of two CRMs or tenants never meet. */
export const DEFAULT_CRM_ID_TEMPLATE = '{PROFILE}:{TENANT}:{ID}';
export const DEFAULT_SETTLE_MS = 400;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]);
const str = (value: unknown, max = 1000): string | undefined => (typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined);
const strings = (value: unknown): string[] => list(value).map((item) => str(item)).filter((item): item is string => item !== undefined);

function normaliseSource(value: unknown): FieldSource | undefined {
  if (!isRecord(value)) return undefined;
  const extras = {
    ...(str(value.regex, 500) ? { regex: value.regex as string } : {}),
    ...(value.split === 'first' || value.split === 'last' ? { split: value.split as 'first' | 'last' } : {}),
    ...(value.lowercase === true ? { lowercase: true } : {}),
    ...(str(value.kind, 40) ? { kind: value.kind as string } : {}),
  };
  if (str(value.selector)) {
    return {
      selector: value.selector as string,
      ...(str(value.attribute, 100) ? { attribute: value.attribute as string } : {}),
      ...(value.all === true ? { all: true } : {}),
      ...extras,
    };
  }
  const labels = strings(value.label);
  if (labels.length > 0) return { label: labels, ...extras };
  if (str(value.url, 40)) return { url: value.url as string, ...extras };
  return undefined;
}

/** Labels with at least one usable source, at most MAX_EXTRA_FIELDS (the lead carries no more). */
function normaliseExtraFields(value: unknown): ExtraFieldSpec[] {
  if (!isRecord(value)) return [];
  const out: ExtraFieldSpec[] = [];
  for (const [label, spec] of Object.entries(value)) {
    const sources = list(spec).map(normaliseSource).filter((s): s is FieldSource => s !== undefined);
    if (label.length > 0 && label.length <= 100 && sources.length > 0) out.push({ label, sources });
  }
  return out.slice(0, MAX_EXTRA_FIELDS);
}

function normaliseAnchor(value: unknown): AnchorTarget | undefined {
  if (!isRecord(value)) return undefined;
  const position = ['before', 'after', 'prepend', 'append'].includes(value.position as string) ? (value.position as AnchorTarget['position']) : undefined;
  if (str(value.selector)) return { selector: value.selector as string, ...(position ? { position } : {}) };
  const labels = strings(value.label);
  if (labels.length > 0) return { label: labels, ...(position === 'before' || position === 'after' ? { position } : {}) };
  return undefined;
}

export function ruleId(rule: { id?: unknown; name?: unknown }, origin: 'built-in' | 'rule'): string {
  const explicit = str(rule.id, 48);
  if (explicit) return explicit;
  const slug = (str(rule.name, 100) ?? 'unnamed')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return `${origin === 'rule' ? 'rule:' : ''}${slug || 'unnamed'}`.slice(0, 64);
}

/** A declaration → a profile, or the reason it cannot be used (invalid URL pattern, no URL, not an object). */
export function compileRule(input: CrmRule | unknown, origin: 'built-in' | 'rule'): CompiledProfile | { error: string } {
  try {
    if (!isRecord(input)) return { error: 'a rule must be an object' };
    const name = str(input.name, 100) ?? '(unnamed)';
    if (input.enabled === false) return { error: `rule '${name}' is disabled` };
    const matchers: UrlMatcher[] = [];
    const patterns: string[] = [];
    for (const pattern of list(input.url)) {
      const usable = typeof pattern === 'string' ? pattern : isRecord(pattern) && typeof pattern.regex === 'string' ? { regex: pattern.regex } : undefined;
      if (!usable) continue;
      try {
        matchers.push(compileUrlPattern(usable));
        patterns.push(typeof usable === 'string' ? usable : `regex ${usable.regex}`);
      } catch (error) {
        return { error: `rule '${name}': URL pattern ${JSON.stringify(usable)} is not usable (${error instanceof Error ? error.message : String(error)})` };
      }
    }
    if (matchers.length === 0) return { error: `rule '${name}' has no URL pattern` };

    const rawFields = isRecord(input.fields) ? input.fields : {};
    const fields: NormalisedRule['fields'] = {};
    for (const field of RULE_FIELDS) {
      const sources = list(rawFields[field]).map(normaliseSource).filter((s): s is FieldSource => s !== undefined);
      if (sources.length > 0) fields[field] = sources;
    }
    fields.recordId ??= [{ url: 'id' }];
    const extraFields = normaliseExtraFields(input.extraFields);

    const rule: NormalisedRule = {
      id: ruleId(input, origin),
      name,
      origin,
      ...(str(input.frame) ? { frame: input.frame as string } : {}),
      scope: strings(input.scope),
      require: list(input.require).filter((r): r is 'name' | 'phone' | 'email' => r === 'name' || r === 'phone' || r === 'email'),
      fields,
      extraFields,
      anchor: list(input.anchor).map(normaliseAnchor).filter((a): a is AnchorTarget => a !== undefined),
      floating: input.floating !== false,
      pageEvents: input.pageEvents === true,
      crmIdTemplate: str(input.crmIdTemplate, 200)?.includes('{ID}') ? (input.crmIdTemplate as string) : DEFAULT_CRM_ID_TEMPLATE,
      settleMs: typeof input.settleMs === 'number' && input.settleMs >= 0 && input.settleMs <= 5000 ? input.settleMs : DEFAULT_SETTLE_MS,
    };
    return profileFor(rule, matchers, patterns);
  } catch (error) {
    return { error: `rule could not be read (${error instanceof Error ? error.message : String(error)})` };
  }
}

function profileFor(rule: NormalisedRule, matchers: UrlMatcher[], urlPatterns: string[]): CompiledProfile {
  const matchUrl = (url: URL): UrlParams | null => {
    for (const matcher of matchers) {
      try {
        const params = matcher(url);
        if (params) return params;
      } catch {
        // A pathological pattern must not take detection down with it.
      }
    }
    return null;
  };
  const readLead = (doc: Document, url: URL): LeadReading => {
    try {
      const params = matchUrl(url);
      if (!params) return { reason: `${rule.origin === 'rule' ? 'rule' : 'profile'} '${rule.name}' does not apply to this URL` };
      return classify(rule, collectPage(rule, doc, params, url));
    } catch (error) {
      return { reason: `rule '${rule.name}' failed: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
  const findAnchor = (doc: Document): AnchorPlacement | null => {
    if (rule.anchor.length === 0) return null;
    try {
      const resolved = resolveRoot(rule, doc);
      return 'root' in resolved ? findAnchorIn(resolved.root, rule.anchor) : null;
    } catch {
      return null;
    }
  };
  const recordRoot = (doc: Document): ParentNode | null => {
    try {
      const resolved = resolveRoot(rule, doc);
      return 'root' in resolved ? resolved.root : null;
    } catch {
      return null;
    }
  };
  const frameDocument = (doc: Document): Document | null => {
    if (!rule.frame) return null;
    try {
      return (doc.querySelector(rule.frame) as HTMLIFrameElement | null)?.contentDocument ?? null;
    } catch {
      return null;
    }
  };
  return {
    id: rule.id,
    label: rule.name,
    origin: rule.origin,
    rule,
    matchUrl,
    matchesUrl: (url) => matchUrl(url) !== null,
    urlPatterns,
    recordRoot,
    settleMs: rule.settleMs,
    readLead,
    findAnchor,
    floating: rule.floating,
    pageEvents: rule.pageEvents,
    usesFrame: rule.frame !== undefined,
    frameDocument,
  };
}

/** Compiles a list; unusable rules are left out and reported. */
export function compileRules(inputs: readonly unknown[], origin: 'built-in' | 'rule'): { profiles: CompiledProfile[]; problems: string[] } {
  const profiles: CompiledProfile[] = [];
  const problems: string[] = [];
  for (const input of Array.isArray(inputs) ? inputs : []) {
    const compiled = compileRule(input, origin);
    if ('error' in compiled) problems.push(compiled.error);
    else profiles.push(compiled);
  }
  return { profiles, problems };
}
