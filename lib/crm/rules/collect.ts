import type { AnchorPosition } from '../profile';
import type { AnchorTarget, FieldSource, RuleField } from './schema';
import type { UrlParams } from './url-pattern';

/**
 * Collect: read what a rule asks for from the page into plain data (strings, and why a source found nothing).
 * No decisions here: classify.ts turns this into a lead or a reason, without a DOM, so most tests need none.
 */

export interface RawValue {
  text: string;
  /** The visible label the value was found under, when read by label. */
  label?: string;
}

export interface SourceReading {
  values: RawValue[];
  /** Why nothing was found, in words for the diagnostics. */
  problem?: string;
}

export interface PageData {
  params: UrlParams;
  /** The page's host name (the default tenant) and full address. */
  host: string;
  href: string;
  fields: Partial<Record<RuleField, SourceReading[]>>;
  /** The readings of each extra field, in the spec's order. */
  extra?: SourceReading[][];
  /** The frame or scope the rule names is missing: nothing else was read. */
  problem?: string;
}

/** A field for the dashboard's CRM card: shown under `label`, never sent to the provider. */
export interface ExtraFieldSpec {
  label: string;
  sources: FieldSource[];
}

export interface CollectSpec {
  frame?: string;
  scope: string[];
  fields: Partial<Record<RuleField, FieldSource[]>>;
  extraFields?: readonly ExtraFieldSpec[];
}

const asList = <T>(value: T | readonly T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? [...value] : [value as T]);

export const collapse = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

/** The root the rule's fields and anchor are read in: its iframe's document, narrowed to its scope. */
export function resolveRoot(spec: Pick<CollectSpec, 'frame' | 'scope'>, doc: Document): { root: ParentNode } | { problem: string } {
  let base: Document = doc;
  if (spec.frame) {
    let frame: Element | null;
    try {
      frame = doc.querySelector(spec.frame);
    } catch {
      return { problem: `frame selector \`${spec.frame}\` is not valid CSS` };
    }
    if (!frame) return { problem: `frame \`${spec.frame}\` not found` };
    let inner: Document | null = null;
    try {
      inner = (frame as HTMLIFrameElement).contentDocument ?? null;
    } catch {
      inner = null;
    }
    if (!inner?.documentElement) return { problem: `frame \`${spec.frame}\` is not loaded or not same-origin` };
    base = inner;
  }
  if (spec.scope.length === 0) return { root: base };
  for (const selector of spec.scope) {
    try {
      const found = base.querySelector(selector);
      if (found) return { root: found };
    } catch {
      return { problem: `scope selector \`${selector}\` is not valid CSS` };
    }
  }
  return { problem: `record container ${spec.scope.map((s) => `\`${s}\``).join(' / ')} not found` };
}

export function collectPage(spec: CollectSpec, doc: Document, params: UrlParams, url: URL): PageData {
  const page = { params, host: url.hostname.toLowerCase(), href: url.href };
  const resolved = resolveRoot(spec, doc);
  if ('problem' in resolved) return { ...page, fields: {}, extra: [], problem: resolved.problem };
  const fields: PageData['fields'] = {};
  for (const [field, sources] of Object.entries(spec.fields) as [RuleField, FieldSource[]][]) {
    const many = field === 'phones';
    fields[field] = sources.map((source) => readSource(resolved.root, source, params, many));
  }
  const extra = (spec.extraFields ?? []).map(({ sources }) => sources.map((source) => readSource(resolved.root, source, params, false)));
  return { ...page, fields, extra };
}

function readSource(root: ParentNode, source: FieldSource, params: UrlParams, many: boolean): SourceReading {
  if ('url' in source) {
    const value = params[source.url];
    return value ? { values: [{ text: value }] } : { values: [], problem: `the URL has no part named :${source.url}` };
  }
  if ('selector' in source) {
    let elements: Element[];
    try {
      // ":scope" is the record container itself (querySelector only searches below it).
      if (source.selector === ':scope') elements = 'tagName' in root ? [root as Element] : [];
      else elements = many && source.all ? [...root.querySelectorAll(source.selector)] : asList(root.querySelector(source.selector) ?? undefined);
    } catch {
      return { values: [], problem: `selector \`${source.selector}\` is not valid CSS` };
    }
    if (elements.length === 0) return { values: [], problem: `selector \`${source.selector}\` not found` };
    const values = elements
      .map((el) => (source.attribute ? collapse(el.getAttribute(source.attribute)) : shownValue(el)))
      .filter(Boolean)
      .map((text) => ({ text }));
    if (values.length === 0) {
      return { values, problem: `selector \`${source.selector}\` ${source.attribute ? `has no ${source.attribute} attribute` : 'is empty'}` };
    }
    return { values };
  }
  const labels = asList(source.label);
  const found = findLabelled(root, labels, many);
  const values = found.map(({ label, value }) => ({ text: value, label }));
  if (values.length === 0) return { values, problem: `label ${labels.map((l) => `'${l}'`).join(' / ')} not found` };
  return { values };
}

/** What a person reads in an element: a form control's value, else its text. */
export function shownValue(el: Element): string {
  const control = formControl(el) ?? (collapse(el.textContent) ? undefined : el.querySelector('input, textarea, select'));
  if (control) return collapse((control as HTMLInputElement).value ?? control.getAttribute('value'));
  return collapse(el.textContent);
}

const formControl = (el: Element): Element | undefined => (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) ? el : undefined);

export const normaliseLabel = (text: string): string =>
  collapse(text)
    .replace(/[\s:*]+$/, '')
    .toLowerCase();

const MAX_LABEL_LENGTH = 60;
const SKIP = /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE)$/;

/** Elements whose own text is one of the labels (a field label, a button caption). */
export function findLabelElements(root: ParentNode, labels: readonly string[], many: boolean): { element: Element; label: string }[] {
  const wanted = new Set(labels.map(normaliseLabel));
  const doc = (root as Node).ownerDocument ?? (root as Document);
  const walker = doc.createTreeWalker(root as Node, 4 /* NodeFilter.SHOW_TEXT */);
  const out: { element: Element; label: string }[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const data = (node as Text).data;
    if (data.length > MAX_LABEL_LENGTH * 2) continue;
    const text = normaliseLabel(data);
    if (!text || text.length > MAX_LABEL_LENGTH || !wanted.has(text)) continue;
    const element = node.parentElement;
    if (!element || SKIP.test(element.tagName)) continue;
    out.push({ element, label: collapse(data).replace(/[\s:*]+$/, '') });
    if (!many) break;
  }
  return out;
}

/** Values shown under the given labels: <label for>, aria-labelledby, dt/dd, th/td, else the next non-empty sibling up the tree. */
export function findLabelled(root: ParentNode, labels: readonly string[], many: boolean): { label: string; value: string }[] {
  const out: { label: string; value: string }[] = [];
  for (const { element, label } of findLabelElements(root, labels, true)) {
    // A button captioned "Email" is an action, not a field label.
    if (element.closest('button, a, [role="button"]')) continue;
    const value = valueNextTo(element, label);
    if (value) {
      out.push({ label, value });
      if (!many) break;
    }
  }
  return out;
}

function valueNextTo(labelEl: Element, label: string): string | undefined {
  const doc = labelEl.ownerDocument;
  const labelFor = labelEl.tagName === 'LABEL' ? labelEl.getAttribute('for') : null;
  if (labelFor) {
    const target = doc.getElementById(labelFor);
    if (target) return shownValue(target) || undefined;
  }
  if (labelEl.id) {
    try {
      const target = doc.querySelector(`[aria-labelledby~="${CSS.escape(labelEl.id)}"]`);
      if (target) return shownValue(target) || undefined;
    } catch {
      // CSS.escape is missing in some test DOMs; the sibling walk below still works.
    }
  }
  const own = normaliseLabel(label);
  let current: Element | null = labelEl;
  for (let depth = 0; current && depth < 4; depth++, current = current.parentElement) {
    for (let sibling = current.nextElementSibling, hops = 0; sibling && hops < 4; sibling = sibling.nextElementSibling, hops++) {
      const value = shownValue(sibling);
      if (value && normaliseLabel(value) !== own) return value;
    }
  }
  return undefined;
}

export interface AnchorPlacement {
  element: Element;
  position: AnchorPosition;
}

/** The first anchor target found; buttons and links stand for their caption. */
export function findAnchorIn(root: ParentNode, targets: readonly AnchorTarget[]): AnchorPlacement | null {
  for (const target of targets) {
    if ('selector' in target) {
      let element: Element | null = null;
      try {
        element = root.querySelector(target.selector);
      } catch {
        continue;
      }
      if (element) return { element, position: target.position ?? 'append' };
    } else {
      const [found] = findLabelElements(root, asList(target.label), false);
      if (found) {
        const element = found.element.closest('button, a, [role="button"]') ?? found.element;
        return { element, position: target.position ?? 'after' };
      }
    }
  }
  return null;
}
