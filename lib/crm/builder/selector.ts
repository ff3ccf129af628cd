import { collapse, findAnchorIn, findLabelled, normaliseLabel, shownValue } from '../rules/collect';
import type { AnchorTarget, FieldSource, RuleField } from '../rules/schema';
import { idKind } from './id-like';

/**
 * Selector proposals for the rule builder: from elements the admin clicked on a CRM record page, the field
 * sources, anchor, scope and shown-record-id source of a rule (docs/crm-rules.md). What the page lets us judge
 * from one record decides: a visible label first (it survives markup changes best), then names a person wrote
 * (a hand-written id, data-* / name / aria attributes, word-like classes), and the element's place in the page
 * last. Nothing that holds the record's data (the value, the record id, the other picked values) or that a
 * framework generated (React ids, CSS-in-JS hashes, counters) is used, since it changes with the next record.
 *
 * Every selector proposed is checked here: in the root it is used in, it finds the picked element and no other.
 * Pure DOM (happy-dom and browsers), no zod, no extension APIs.
 */

export type ProposalKind = 'label' | 'id' | 'data' | 'aria' | 'name' | 'class' | 'structure';

export interface ProposedSource {
  source: FieldSource;
  /** The value the source reads on this page (what the admin picked). */
  value: string;
  kind: ProposalKind;
  /** One sentence for the admin: why this source should hold on other records. */
  why: string;
}

export type SourceProposal = ProposedSource | { problem: string };

export interface SourceOptions {
  field: RuleField | 'extra';
  /** Values no selector may contain: the record id, the other values the admin picked. */
  avoidValues?: string[];
}

type SelectorKind = Exclude<ProposalKind, 'label'>;

/** A selector for one element, and what makes it stable. */
interface Part {
  selector: string;
  kind: SelectorKind;
  why: string;
}

// ---------------------------------------------------------------------------------------------------------
// Field sources

export function proposeSource(picked: Element, root: ParentNode, opts: SourceOptions): SourceProposal {
  const target = valueElement(picked, opts.field);
  const value = shownValue(target);
  if (!value) return { problem: 'the element you picked shows no value: pick the text of the field itself' };
  if (!contains(root, target)) return { problem: 'the element you picked is outside the record container (scope)' };
  if (target === root) return { source: { selector: ':scope' }, value, kind: 'structure', why: 'the value is the record container itself' };
  const avoid = opts.avoidValues ?? [];
  const label = labelProposal(target, root, value, avoid);
  if (label) return label;
  const part = uniqueSelector(target, root, secretsOf(value, avoid), true);
  if (!part) return { problem: 'no selector finds only this element on the page: pick the value itself, or a smaller part of it' };
  return { source: { selector: part.selector }, value, kind: part.kind, why: part.why };
}

/**
 * E-mail and phone values are often links: read the link's text (what is shown), never its href, which holds
 * the address or number itself.
 */
function valueElement(picked: Element, field: SourceOptions['field']): Element {
  const link = field === 'email' ? 'a[href^="mailto:"]' : field === 'phones' ? 'a[href^="tel:"]' : undefined;
  if (!link) return picked;
  const outer = picked.closest(link);
  if (outer) return outer;
  const inner = picked.querySelectorAll(link);
  return inner.length === 1 && inner[0] ? inner[0] : picked;
}

const contains = (root: ParentNode, el: Element): boolean => (root as Node) === el || (root as Node).contains(el);

// ---------------------------------------------------------------------------------------------------------
// Labels

const HEADING = 'h1, h2, h3, h4, h5, h6, [role="heading"]';
const ACTION = 'a, button, [role="button"]';
const MAX_LABEL = 40;

/** A label source, when a label next to the element reads exactly this value (the first one on the page does). */
function labelProposal(target: Element, root: ParentNode, value: string, avoid: readonly string[]): ProposedSource | undefined {
  const avoided = new Set([value, ...avoid].map(squash));
  for (const element of labelElements(target, root)) {
    const label = collapse(element.textContent).replace(/[\s:*]+$/, '');
    if (!isLabelLike(label, element) || avoided.has(squash(label)) || normaliseLabel(label) === normaliseLabel(value)) continue;
    if (findLabelled(root, [label], false)[0]?.value !== value) continue;
    return { source: { label }, value, kind: 'label', why: `shown next to the label "${label}": labels survive changes to the page's markup` };
  }
  return undefined;
}

/** Where a label for the element would be: <label for>, aria-labelledby, the <dt> of a <dd>, the nearest text before it. */
function labelElements(target: Element, root: ParentNode): Element[] {
  const doc = target.ownerDocument;
  const control = /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) ? target : (target.querySelector('input, textarea, select') ?? target);
  const out: Element[] = control.id ? [...doc.querySelectorAll('label')].filter((label) => label.getAttribute('for') === control.id) : [];
  for (const ref of (control.getAttribute('aria-labelledby') ?? '').split(/\s+/)) {
    const label = ref ? doc.getElementById(ref) : null;
    if (label) out.push(label);
  }
  const dt = previousMatching(target.closest('dd'), 'DT');
  if (dt) out.push(dt);
  const near = nearestTextBefore(target, root);
  if (near) out.push(near);
  return out;
}

function previousMatching(el: Element | null, tag: string): Element | undefined {
  for (let sibling = el?.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
    if (sibling.tagName === tag) return sibling;
  }
  return undefined;
}

/**
 * The first element with text before the picked one, looking at its own previous siblings, then its parent's
 * and grandparent's: where findLabelled, walking the other way, finds the value from its label.
 */
function nearestTextBefore(target: Element, root: ParentNode): Element | undefined {
  let current: Element | null = target;
  for (let depth = 0; current && depth <= 2 && (current as Node) !== root; depth++, current = current.parentElement) {
    for (let sibling = current.previousElementSibling, hops = 0; sibling && hops < 3; sibling = sibling.previousElementSibling, hops++) {
      if (collapse(sibling.textContent)) return saysLabel(sibling, current) ? sibling : undefined;
    }
  }
  return undefined;
}

/**
 * Text before a value is its label in a pair of two (label, value); among more siblings (a row of values: a
 * name, then a phone) only when its markup or a trailing colon says so.
 */
function saysLabel(label: Element, value: Element): boolean {
  if (value.parentElement?.childElementCount === 2 || /^(LABEL|DT|TH)$/.test(label.tagName) || /:\s*\*?\s*$/.test(label.textContent ?? '')) return true;
  return [...label.attributes].some(({ name, value: text }) => (name === 'class' || name.startsWith('data-')) && /label|caption|title/i.test(text));
}

/** Short words, not data (no e-mail, no long numbers), and not the record's title or a button caption. */
function isLabelLike(text: string, el: Element): boolean {
  if (!text || text.length > MAX_LABEL || text.split(' ').length > 5) return false;
  if (!/^\p{L}[\p{L}\p{N} .,'’&/()#+-]*$/u.test(text) || /\d{3}/.test(text)) return false;
  return !el.closest(HEADING) && !el.closest(ACTION) && !closestButton(el);
}

// ---------------------------------------------------------------------------------------------------------
// Unique selectors

const MAX_ANCESTORS = 16;
const NEAR_ANCESTORS = 4;
const MAX_PATH_STEPS = 6;
/** Tag names every selector engine parses (happy-dom rejects `_`, which Salesforce's tags have). */
const SIMPLE_TAG = /^[a-z][a-z0-9-]*$/i;

/**
 * The first stable selector, in order of preference, that finds the element and no other in the root: each
 * stable name of the element alone, then narrowed by one or two stable ancestors. `lastResort`: else a path
 * of tags and :nth-of-type.
 */
function uniqueSelector(el: Element, root: ParentNode, secrets: readonly string[], lastResort: boolean): Part | undefined {
  const ancestors = ancestorParts(el, root, secrets);
  for (const target of [...ownParts(el, secrets), ...tagParts(el, false)]) {
    const found = narrowed(el, root, target, ancestors);
    if (found) return found;
  }
  return lastResort ? nthPath(el, root, secrets) : undefined;
}

function narrowed(el: Element, root: ParentNode, target: Part, ancestors: Part[][]): Part | undefined {
  const matches = queryAll(root, target.selector);
  if (!matches.includes(el)) return undefined;
  const others = matches.filter((match) => match !== el);
  if (others.length === 0) return target;
  // The other matches are few: checking them with matches() is cheaper than a query per combination.
  const only = (selector: string) => others.every((other) => !safeMatches(other, selector)) && onlyMatch(root, selector, el);
  const within = (selector: string, by: string): Part => ({ ...target, selector, why: `${target.why} (within ${by})` });
  for (const parts of ancestors) {
    for (const part of parts.slice(0, 3)) {
      const selector = `${part.selector} ${target.selector}`;
      if (only(selector)) return within(selector, part.selector);
    }
  }
  // Two ancestors: a near one (its best name) inside a far one that tells this record from a look-alike.
  for (const [outerIndex, outer] of ancestors.entries()) {
    for (const inner of ancestors.slice(0, Math.min(outerIndex, NEAR_ANCESTORS))) {
      for (const far of outer.slice(0, 3)) {
        const by = `${far.selector} ${inner[0]?.selector}`;
        if (only(`${by} ${target.selector}`)) return within(`${by} ${target.selector}`, by);
      }
    }
  }
  return undefined;
}

/** The stable names of each ancestor up to the root (or <body>), nearest first; ancestors without any are left out. */
function ancestorParts(el: Element, root: ParentNode, secrets: readonly string[]): Part[][] {
  const out: Part[][] = [];
  for (let current = el.parentElement; current && out.length < MAX_ANCESTORS; current = current.parentElement) {
    if (current.tagName === 'BODY' || current.tagName === 'HTML') break;
    const parts = [...ownParts(current, secrets), ...tagParts(current, true)];
    if (parts.length > 0) out.push(parts);
    if ((current as Node) === root) break;
  }
  return out;
}

/** Last resort: tag:nth-of-type steps up from the element until the path is unique, anchored at a stable ancestor when one helps. */
function nthPath(el: Element, root: ParentNode, secrets: readonly string[]): Part | undefined {
  const why = 'no stable name: found by its position in the page, which breaks when the layout changes';
  let path = '';
  for (let current: Element | null = el, depth = 0; current && depth < MAX_PATH_STEPS; current = current.parentElement, depth++) {
    if ((current as Node) === root || current.tagName === 'BODY' || current.tagName === 'HTML') break;
    path = path ? `${nthStep(current)} > ${path}` : nthStep(current);
    if (onlyMatch(root, path, el)) return { selector: path, kind: 'structure', why };
    const parent = current.parentElement;
    const anchor = parent && (parent as Node) !== root ? ownParts(parent, secrets)[0] : undefined;
    if (anchor && onlyMatch(root, `${anchor.selector} > ${path}`, el)) return { selector: `${anchor.selector} > ${path}`, kind: 'structure', why };
  }
  return undefined;
}

function nthStep(el: Element): string {
  const siblings = [...(el.parentElement?.children ?? [])];
  if (!stableTag(el) || !SIMPLE_TAG.test(el.tagName)) return `:nth-child(${siblings.indexOf(el) + 1})`;
  const same = siblings.filter((sibling) => sibling.tagName === el.tagName);
  const tag = el.tagName.toLowerCase();
  return same.length > 1 ? `${tag}:nth-of-type(${same.indexOf(el) + 1})` : tag;
}

function queryAll(root: ParentNode, selector: string): Element[] {
  try {
    return [...root.querySelectorAll(selector)];
  } catch {
    return [];
  }
}

const onlyMatch = (root: ParentNode, selector: string, el: Element): boolean => {
  const found = queryAll(root, selector);
  return found.length === 1 && found[0] === el;
};

function safeMatches(el: Element, selector: string): boolean {
  try {
    return el.matches(selector);
  } catch {
    return true; // unusable: count it as a clash so the selector is not proposed
  }
}

// ---------------------------------------------------------------------------------------------------------
// An element's stable names, in order of preference

/** Data attributes that name a field or a test hook, tried first, in this order. */
const PREFERRED_DATA = [
  'data-field',
  'data-field-name',
  'data-testid',
  'data-test-id',
  'data-test',
  'data-qa',
  'data-cy',
  'data-name',
  'data-selenium-test',
  'data-id',
];
/** Data attributes that carry state, order or framework bookkeeping, not a name. */
const VOLATILE_DATA =
  /^data-(?:v-|react|reactid|state|status|active|selected|checked|open|expanded|focus|hover|index|idx|row|col|key|order|pos|position|sort|page|loading|visible|hidden|count|time|ts|date|tooltip|original-title)/i;
/** Other attributes a person writes to name an element, with their kind. */
const NAMING_ATTRIBUTES: readonly (readonly [string, SelectorKind])[] = [
  ['name', 'name'],
  ['itemprop', 'name'],
  ['aria-label', 'aria'],
  ['role', 'aria'],
  ['title', 'aria'],
];

function ownParts(el: Element, secrets: readonly string[]): Part[] {
  return [...idParts(el, secrets), ...dataParts(el, secrets), ...attributeParts(el, secrets), ...classParts(el, secrets)];
}

function idParts(el: Element, secrets: readonly string[]): Part[] {
  const id = el.getAttribute('id') ?? '';
  if (!stableId(id, secrets)) return [];
  return [{ selector: nameSelector('id', id), kind: 'id', why: `id="${id}" looks written by hand: it names the element, not the record` }];
}

function dataParts(el: Element, secrets: readonly string[]): Part[] {
  const names = el.getAttributeNames().filter((name) => name.startsWith('data-') && !VOLATILE_DATA.test(name) && !/\d{2}/.test(name));
  const rank = (name: string) => (PREFERRED_DATA.includes(name) ? PREFERRED_DATA.indexOf(name) : PREFERRED_DATA.length);
  return names
    .sort((a, b) => rank(a) - rank(b))
    .filter((name) => stableValue(el.getAttribute(name) ?? '', secrets))
    .map((name) => {
      const value = el.getAttribute(name) ?? '';
      return { selector: attributeSelector(name, value), kind: 'data', why: `${name}="${value}" is a stable attribute: it names the field, not the record` };
    });
}

function attributeParts(el: Element, secrets: readonly string[]): Part[] {
  const out: Part[] = [];
  for (const [name, kind] of NAMING_ATTRIBUTES) {
    const value = el.getAttribute(name) ?? '';
    if (stableValue(value, secrets)) out.push({ selector: attributeSelector(name, value), kind, why: `${name}="${value}" names the element, not the record` });
  }
  const type = el.tagName === 'INPUT' ? (el.getAttribute('type') ?? '') : '';
  if (/^(email|tel|url|number|date|search)$/i.test(type)) {
    out.push({ selector: `input${attributeSelector('type', type)}`, kind: 'name', why: `it is the ${type} input: the kind of field, not the record` });
  }
  return out;
}

/** Word-like classes: the first alone, then with each other one (a component and its modifier), then the others alone. */
function classParts(el: Element, secrets: readonly string[]): Part[] {
  const classes = [...el.classList].filter((name) => stableClass(name, secrets));
  const [first, ...rest] = classes.map((name) => nameSelector('class', name));
  if (!first) return [];
  const why = (selector: string) => `class ${selector} is a word, not a generated name`;
  return [first, ...rest.map((other) => first + other), ...rest].map((selector) => ({ selector, kind: 'class', why: why(selector) }));
}

const SECTIONING = /^(MAIN|ARTICLE|HEADER|FOOTER|SECTION|NAV|ASIDE|FORM|TABLE|DL|UL|OL|H[1-6])$/;

/**
 * What the element is rather than what it is called: a CRM component's tag, a mailto:/tel: link (the kind of
 * link, never the address), the tag itself (for ancestors only sectioning tags, which structure a page).
 */
function tagParts(el: Element, asAncestor: boolean): Part[] {
  if (!stableTag(el) || !SIMPLE_TAG.test(el.tagName)) return [];
  const tag = el.tagName.toLowerCase();
  const out: Part[] = [];
  const scheme = tag === 'a' ? /^(mailto|tel):/i.exec(el.getAttribute('href') ?? '')?.[1]?.toLowerCase() : undefined;
  if (scheme && !asAncestor) {
    out.push({ selector: `a[href^="${scheme}:"]`, kind: 'structure', why: `it is a ${scheme}: link: the kind of link is stable, the address in it is not used` });
  }
  if (tag.includes('-')) out.push({ selector: tag, kind: 'structure', why: `<${tag}> is a named component of the CRM` });
  else if (!asAncestor || SECTIONING.test(el.tagName)) {
    out.push({ selector: tag, kind: 'structure', why: `found by its place in the page (<${tag}>): fine until the layout changes` });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Stable or generated?

/** Ids and attribute values frameworks generate: counters, React useId, Ember, ExtJS, YUI, GWT, UI kits. */
const GENERATED_ID = [/\d{3,}/, /^:.*:$/, /^(?:ember|ext-gen|ext-comp|ext-element|yui_|gwt-|uid-|mui-|radix-|headlessui-|react-select-|downshift-|rc-)/i];
/** Class names CSS-in-JS and frameworks generate. BEM modifiers (`block__elem--mod`) are words and stay. */
const GENERATED_CLASS = [
  /^(?:css|sc|jsx|emotion|svelte|styled|tw|ng)-/i, // emotion, styled-components, styled-jsx, Svelte, Angular state
  /^[A-Z]\w*__\w+-\w+$/, // styled-components with a display name: Card__Body-x1
  /(?:^|[-_])(?=[a-z]*\d)(?=\d*[a-z])[a-z\d]{4,}(?=$|[-_])/i, // a hash: letters and digits mixed (1q2w3e4)
  /\d{3,}/,
];

const squash = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

/** What no selector may contain: the value, its words, the values to avoid; compared on letters and digits only. */
function secretsOf(value: string, avoid: readonly string[]): string[] {
  const words = value.length <= 60 ? value.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length >= 4 && /\p{L}/u.test(word)) : [];
  return [value, ...words, ...avoid].map(squash).filter((secret) => secret.length > 0);
}

function leaks(text: string, secrets: readonly string[]): boolean {
  const squashed = squash(text);
  return secrets.some((secret) => (secret.length >= 3 ? squashed.includes(secret) : squashed === secret));
}

/** Any part (between separators) of the text, or the whole, looks like a record id. */
const idLike = (text: string): boolean => idKind(text) !== undefined || text.split(/[^a-z0-9]+/i).some((token) => token !== '' && idKind(token) !== undefined);

function stableId(id: string, secrets: readonly string[]): boolean {
  if (!id || id.length > 40 || /\s/.test(id)) return false;
  return !GENERATED_ID.some((re) => re.test(id)) && !idLike(id) && !leaks(id, secrets);
}

/** Data, not a name: an e-mail, an address, a path, a long number, or anything id-like. */
function stableValue(value: string, secrets: readonly string[]): boolean {
  if (!value || value.length > 80 || /[\n@]|:\/\/|^\//.test(value)) return false;
  return !GENERATED_ID.some((re) => re.test(value)) && !idLike(value) && !leaks(value, secrets);
}

function stableClass(name: string, secrets: readonly string[]): boolean {
  return name.length <= 40 && !GENERATED_CLASS.some((re) => re.test(name)) && !leaks(name, secrets);
}

/** Tags with a number run in them (generated component names carrying a layout id) name nothing stable. */
const stableTag = (el: Element): boolean => !/\d{3,}/.test(el.tagName);

// ---------------------------------------------------------------------------------------------------------
// Escaping

/** A small stand-in for CSS.escape, for DOMs without it: names starting with a digit never get here. */
const fallbackEscape = (value: string): string => value.replace(/[^\w\u00a0-\uffff-]/g, '\\$&');

function escapeIdent(value: string): string {
  const native = (globalThis as { CSS?: { escape?: (text: string) => string } }).CSS?.escape;
  return native ? native(value) : fallbackEscape(value);
}

const quoted = (value: string): string => `"${value.replace(/["\\]/g, '\\$&')}"`;
const attributeSelector = (name: string, value: string): string => `[${escapeIdent(name)}=${quoted(value)}]`;

/**
 * `#id` / `.class`; a name starting with a digit as an attribute selector instead, since its escape (`\32 `)
 * is one some selector engines (happy-dom) do not parse.
 */
function nameSelector(kind: 'id' | 'class', name: string): string {
  if (/^-?\d/.test(name)) return kind === 'id' ? `[id=${quoted(name)}]` : `[class~=${quoted(name)}]`;
  return `${kind === 'id' ? '#' : '.'}${escapeIdent(name)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Anchor

const BUTTON = 'button, [role="button"], input[type="button"], input[type="submit"]';
const MAX_TOOLBAR_BUTTONS = 12;

/**
 * Where the buttons go: at the end of the toolbar the picked button sits in, else after the picked button,
 * else at the end of the picked container. A toolbar without a stable selector gives way to its button's
 * stable selector, then to the button's caption; a path by position is the last resort.
 */
export function proposeAnchor(picked: Element, root: ParentNode): { target: AnchorTarget; why: string } | { problem: string } {
  const button = closestButton(picked);
  const toolbar = toolbarOf(button ?? picked, root);
  const places: Place[] = [];
  if (toolbar) places.push({ element: toolbar, position: 'append', where: 'at the end of the toolbar' });
  if (button) places.push({ element: button, position: 'after', where: 'after the button' });
  if (!toolbar && !button) places.push({ element: picked, position: 'append', where: 'at the end of' });
  for (const place of places) {
    const stable = uniqueSelector(place.element, root, [], false);
    if (stable) return anchorAt(place, stable, root);
  }
  const caption = button ? shownValue(button) : '';
  if (button && caption && caption.length <= MAX_LABEL) {
    const why = `no stable selector here: the buttons go after the button captioned "${caption}"`;
    const byCaption = checkedAnchor({ label: caption, position: 'after' }, button, root, why);
    if (!('problem' in byCaption)) return byCaption;
  }
  const [first] = places;
  const byPosition = first ? uniqueSelector(first.element, root, [], true) : undefined;
  if (first && byPosition) return anchorAt(first, byPosition, root);
  return { problem: 'no selector finds only this place on the page: pick the toolbar or a button in it' };
}

interface Place {
  element: Element;
  position: 'after' | 'append';
  where: string;
}

const anchorAt = (place: Place, part: Part, root: ParentNode) =>
  checkedAnchor({ selector: part.selector, position: place.position }, place.element, root, `the buttons go ${place.where} ${part.selector} (${part.why})`);

/** What findAnchorIn (the content script's lookup) finds for the target must be the place picked. */
function checkedAnchor(target: AnchorTarget, place: Element, root: ParentNode, why: string): { target: AnchorTarget; why: string } | { problem: string } {
  return findAnchorIn(root, [target])?.element === place ? { target, why } : { problem: 'the proposed anchor finds another element first' };
}

/** Custom elements named like buttons (Zoho's lyte-button) count as buttons. */
const isButton = (el: Element): boolean => el.matches(BUTTON) || el.tagName.endsWith('-BUTTON');

function closestButton(el: Element): Element | undefined {
  for (let current: Element | null = el, depth = 0; current && depth < 4; current = current.parentElement, depth++) {
    if (isButton(current) || current.matches('a[href]')) return current;
  }
  return undefined;
}

/** The nearest [role=toolbar] or container of 2 to 12 buttons around the element, within the root. */
function toolbarOf(el: Element, root: ParentNode): Element | undefined {
  for (let current: Element | null = el, depth = 0; current && depth < 5; current = current.parentElement, depth++) {
    if (current.matches('[role="toolbar"], [role="menubar"]')) return current;
    const buttons = [...current.querySelectorAll('*')].filter(isButton).length;
    if (buttons > MAX_TOOLBAR_BUTTONS) return undefined;
    if (buttons >= 2) return current;
    if ((current as Node) === root) return undefined;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Scope

/** Elements that say they hold one record. */
const RECORD_CONTAINER = 'main, article, [role="main"], [data-record-id], [data-record-type], [data-entity-id]';

/**
 * The rule's scope, when one is needed: the outermost container of the picks that the page repeats (a cached
 * copy of another record, as Salesforce keeps), else the element that says it is the record (main, article,
 * [data-record-id]). A page that shows one record needs none.
 */
export function proposeScope(picks: Element[], doc: Document): { scope?: string; why: string } {
  const common = commonAncestor(picks);
  if (!common) return { why: 'nothing picked: no scope needed' };
  const repeated = picks.length >= 2 ? outermostTwin(common, picks, doc) : undefined;
  if (repeated) {
    const part = uniqueSelector(repeated.element, doc, [], false);
    const copies = `the page holds ${repeated.count + 1} look-alike record containers (${repeated.shape})`;
    return part ? { scope: part.selector, why: `${copies}: ${part.selector} is the one you picked in` } : { why: `${copies} and none has a stable selector: set the scope by hand` };
  }
  const container = recordContainer(common);
  const part = container ? uniqueSelector(container, doc, [], false) : undefined;
  if (part) return { scope: part.selector, why: `${part.selector} is the record container: fields are read only inside it` };
  return { why: 'the page shows one record: no scope needed' };
}

function commonAncestor(picks: readonly Element[]): Element | undefined {
  let common: Element | null = picks[0] ?? null;
  while (common && !picks.every((pick) => common?.contains(pick))) common = common.parentElement;
  return common ?? undefined;
}

function recordContainer(el: Element): Element | undefined {
  const found = el.closest(RECORD_CONTAINER);
  return found && found.tagName !== 'BODY' ? found : undefined;
}

/** The outermost ancestor-or-self of `common` (below <body>) that has a twin: a look-alike elsewhere holding look-alikes of every pick. */
function outermostTwin(common: Element, picks: readonly Element[], doc: Document): { element: Element; count: number; shape: string } | undefined {
  let best: { element: Element; count: number; shape: string } | undefined;
  for (let current: Element | null = common; current && current !== doc.body && current !== doc.documentElement; current = current.parentElement) {
    const shape = shapeOf(current);
    const count = shape ? twins(current, shape, picks, doc) : 0;
    if (shape && count > 0) best = { element: current, count, shape };
  }
  return best;
}

function twins(el: Element, shape: string, picks: readonly Element[], doc: Document): number {
  const pickShapes = picks.map((pick) => shapeOf(pick) ?? pick.tagName.toLowerCase());
  return queryAll(doc, shape).filter(
    (other) => other !== el && !other.contains(el) && !el.contains(other) && pickShapes.every((s) => queryAll(other, s).length > 0),
  ).length;
}

/** What a look-alike shares: the tag and first stable class, a component tag, or a tag that structures records. */
function shapeOf(el: Element): string | undefined {
  const tag = el.tagName.toLowerCase();
  const first = [...el.classList].find((name) => stableClass(name, []));
  if (first) return `${tag}${nameSelector('class', first)}`;
  if ((tag.includes('-') && stableTag(el)) || /^(main|article|section|form|table|tr|li)$/.test(tag)) return tag;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// Shown record id

/** Attributes that hold links or presentation, never the id a view says it shows. */
const NOT_ID_ATTRIBUTES = new Set(['href', 'src', 'srcset', 'action', 'style', 'class']);

/**
 * Where the record view names the record it shows: an attribute of a pick or an ancestor whose value is the
 * record id (`<main data-record-id="ld-77">`). The selector names the attribute, never its value. `root`: the
 * rule's scope, when the builder has one (the scope element itself is then `:scope`).
 */
export function proposeShownRecordId(
  picks: Element[],
  recordId: string,
  root?: ParentNode,
): { source: { selector: string; attribute: string }; why: string } | undefined {
  if (!recordId) return undefined;
  for (const pick of picks) {
    for (let el: Element | null = pick; el; el = el.parentElement) {
      const attribute = el.getAttributeNames().find((name) => !NOT_ID_ATTRIBUTES.has(name) && el?.getAttribute(name) === recordId);
      const selector = attribute ? recordIdSelector(el, attribute, recordId, root ?? el.ownerDocument) : undefined;
      if (attribute && selector) {
        return { source: { selector, attribute }, why: `${attribute} holds the record id the view shows: the buttons act only while it is the record's id` };
      }
    }
  }
  return undefined;
}

function recordIdSelector(el: Element, attribute: string, recordId: string, root: ParentNode): string | undefined {
  if ((root as Node) === el) return ':scope';
  if (!contains(root, el)) return undefined;
  const named = `[${escapeIdent(attribute)}]`;
  const candidates = [named, `${el.tagName.toLowerCase()}${named}`];
  const stable = uniqueSelector(el, root, [recordId], false)?.selector;
  if (stable) candidates.push(stable);
  return candidates.find((selector) => onlyMatch(root, selector, el));
}
