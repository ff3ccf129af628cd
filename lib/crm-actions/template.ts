import type { BodyTemplate, CrmAction, CrmActionStep } from './schema';

/**
 * The template engine of `crmActions` (lib/crm-actions/schema.ts), modelled on Google CCAI's "Custom CRM" generic
 * API. Pure: no browser or Node API beyond URL, URLSearchParams, encodeURIComponent and JSON, so the extension's
 * background and the team gateway build the same requests.
 *
 * - `{NAME}` (NAME = [A-Z][A-Z0-9_]*) is replaced by the variable's value; any other text is literal (lower-case or
 *   spaced braces, JSON-ish text). There is no escape: `{NAME}` always names a variable. Values are inserted in one
 *   pass and never read again, so a value holding `{OTHER}` or `=CONCAT_OR(` stays text.
 * - A variable that is undefined or '' is missing; a missing variable is a TemplateError naming it and the place.
 * - A template whose trimmed text starts with `=` is a function call: `=DEFAULT_VALUE(a, b)`, `=CONCAT_OR(a, …)`,
 *   `=CONCAT_AND(a, …)`. Arguments are split on top-level commas (parentheses and braces balanced) and trimmed; each is
 *   a template (a call included), in which a missing variable makes the whole argument empty instead of an error.
 *   A call that yields '' yields undefined: the field, parameter or header is left out.
 */

export type Variables = Readonly<Record<string, string | undefined>>;
export type Encoding = 'url' | 'none';
export interface RenderOptions {
  /** 'url': every inserted value is encodeURIComponent-ed (the template's own text is not); 'none': inserted as is. */
  encode: Encoding;
  /** Where the template sits, for messages: 'step "create note": body.Subject'. */
  where: string;
}
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export interface RenderedRequest {
  method: CrmActionStep['method'];
  url: string;
  headers: Record<string, string>;
  /** The serialized body (POST/PUT/PATCH with a body whose template did not come out empty). */
  body?: string;
  /** 'application/json' or 'application/x-www-form-urlencoded', with `body`. */
  contentType?: string;
}

export const TEMPLATE_FUNCTIONS = ['DEFAULT_VALUE', 'CONCAT_OR', 'CONCAT_AND'] as const;
export type TemplateFunction = (typeof TEMPLATE_FUNCTIONS)[number];

/** A template that cannot be rendered: a missing variable (`variable` names it), a bad call, an unusable result. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  readonly variable: string | undefined;
  readonly where: string;

  constructor(message: string, where: string, variable?: string) {
    super(message);
    this.where = where;
    this.variable = variable;
  }
}

/** 'step "create note": body.Subject needs {EMAIL}, which this lead does not have'. */
export function missingVariableMessage(where: string, variable: string): string {
  return `${where} needs {${variable}}, which this lead does not have`;
}

/** How a step is named in messages: `step "find person"`, or `step 2` (index from 0) when it has no name. */
export function stepLabel(step: Pick<CrmActionStep, 'name'>, index: number): string {
  return step.name ? `step "${step.name}"` : `step ${index + 1}`;
}

/** A property path for messages: `body.data[0].Subject`, `headers["X-Api-Key"]`. */
export function pathTo(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing

type Part = { kind: 'text'; text: string } | { kind: 'variable'; name: string };
type Compiled = { kind: 'plain'; parts: Part[] } | { kind: 'call'; fn: TemplateFunction; args: Compiled[] };

const VARIABLE = /\{([A-Z][A-Z0-9_]*)\}/g;
const CALL_START = /^=\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/;
const CLOSER: Readonly<Record<string, string>> = { '(': ')', '{': '}' };

function compile(template: string, where: string): Compiled {
  const trimmed = template.trim();
  return trimmed.startsWith('=') ? compileCall(trimmed, where) : { kind: 'plain', parts: compilePlain(template) };
}

function compilePlain(template: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const match of template.matchAll(VARIABLE)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ kind: 'text', text: template.slice(last, index) });
    parts.push({ kind: 'variable', name: match[1] ?? '' });
    last = index + match[0].length;
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  return parts;
}

function compileCall(text: string, where: string): Compiled {
  const start = CALL_START.exec(text);
  if (!start) throw new TemplateError(`${where}: "${clip(text)}" starts with = but is not a function call such as =DEFAULT_VALUE({A}, {B})`, where);
  const name = start[1] ?? '';
  if (!(TEMPLATE_FUNCTIONS as readonly string[]).includes(name)) {
    throw new TemplateError(`${where}: unknown function =${name} (known: ${TEMPLATE_FUNCTIONS.map((known) => `=${known}`).join(', ')})`, where);
  }
  const fn = name as TemplateFunction;
  const open = start[0].length - 1;
  const args: string[] = [];
  const stack: string[] = [];
  let argStart = open + 1;
  let close = -1;
  for (let i = open + 1; i < text.length && close < 0; i++) {
    const char = text.charAt(i);
    if (char === '(' || char === '{') {
      stack.push(CLOSER[char] ?? '');
    } else if (char === ')' || char === '}') {
      if (stack.length === 0 && char === ')') {
        args.push(text.slice(argStart, i));
        close = i;
      } else if (stack.pop() !== char) {
        throw new TemplateError(`${where}: =${fn}(…) has an unmatched "${char}"`, where);
      }
    } else if (char === ',' && stack.length === 0) {
      args.push(text.slice(argStart, i));
      argStart = i + 1;
    }
  }
  if (close < 0) throw new TemplateError(`${where}: =${fn}(…) has unbalanced parentheses or braces`, where);
  if (close !== text.length - 1) throw new TemplateError(`${where}: =${fn}(…) is followed by text after its closing parenthesis`, where);
  const trimmedArgs = args.length === 1 && args[0]?.trim() === '' ? [] : args.map((arg) => arg.trim());
  if (fn === 'DEFAULT_VALUE' && trimmedArgs.length !== 2) {
    throw new TemplateError(`${where}: =DEFAULT_VALUE takes 2 arguments (a value and its default), not ${trimmedArgs.length}`, where);
  }
  if (trimmedArgs.length === 0) throw new TemplateError(`${where}: =${fn} needs at least one argument`, where);
  return { kind: 'call', fn, args: trimmedArgs.map((arg) => compile(arg, where)) };
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering

/** A lone UTF-16 surrogate (which encodeURIComponent refuses) becomes U+FFFD, as the URL parser would make it. */
function wellFormed(value: string): string {
  return value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function lookup(vars: Variables, name: string): string | undefined {
  const value = Object.hasOwn(vars, name) ? vars[name] : undefined;
  return value === '' ? undefined : value;
}

/** The plain template's text, or undefined when a variable is missing and `lenient` (else a TemplateError). */
function renderPlain(parts: readonly Part[], vars: Variables, encode: Encoding, where: string, lenient: boolean): string | undefined {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    const value = lookup(vars, part.name);
    if (value === undefined) {
      if (lenient) return undefined;
      throw new TemplateError(missingVariableMessage(where, part.name), where, part.name);
    }
    out += encode === 'url' ? encodeURIComponent(wellFormed(value)) : value;
  }
  return out;
}

function renderCompiled(compiled: Compiled, vars: Variables, encode: Encoding, where: string): string | undefined {
  if (compiled.kind === 'plain') return renderPlain(compiled.parts, vars, encode, where, false);
  const args = compiled.args.map((arg) => (arg.kind === 'plain' ? renderPlain(arg.parts, vars, encode, where, true) : renderCompiled(arg, vars, encode, where)) ?? '');
  let result: string;
  if (compiled.fn === 'DEFAULT_VALUE') result = args[0] || (args[1] ?? '');
  else result = args.filter((arg) => arg !== '').join(compiled.fn === 'CONCAT_OR' ? ' or ' : ' and ');
  return result === '' ? undefined : result;
}

/**
 * One string template. A plain template always gives a string (a missing variable throws); a function call gives
 * undefined when it comes out empty, meaning "leave this out". Throws TemplateError for a missing variable, an
 * unknown function or a malformed call.
 */
export function renderString(template: string, vars: Variables, options: RenderOptions): string | undefined {
  return renderCompiled(compile(template, options.where), vars, options.encode, options.where);
}

/**
 * A JSON body template: every string rendered with encode 'none' (the caller's JSON.stringify encodes the values),
 * numbers, booleans and null as they are. A property or array element whose string comes out undefined is left out;
 * undefined only when the body itself is a string that comes out undefined. `where` names the body's root
 * ('step "create note": body') and grows with the path (…: body.data[0].Subject). Keys are not templates.
 */
export function renderBody(body: BodyTemplate, vars: Variables, where: string): JsonValue | undefined {
  if (typeof body === 'string') return renderString(body, vars, { encode: 'none', where });
  if (body === null || typeof body !== 'object') return body;
  if (Array.isArray(body)) {
    const items: JsonValue[] = [];
    body.forEach((item, index) => {
      const rendered = renderBody(item, vars, pathTo(where, index));
      if (rendered !== undefined) items.push(rendered);
    });
    return items;
  }
  const entries: [string, JsonValue][] = [];
  for (const [key, value] of Object.entries(body)) {
    const rendered = renderBody(value, vars, pathTo(where, key));
    if (rendered !== undefined) entries.push([key, rendered]);
  }
  // fromEntries defines own properties, so a key "__proto__" stays a key.
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BEYOND_LATIN1 = /[\u0100-\uFFFF]/;
const breaks = (value: string): boolean => value.includes('\r') || value.includes('\n') || value.includes('\0');
const beyondLatin1 = (value: string): boolean => BEYOND_LATIN1.test(value);
const dotsOnly = (value: string): boolean => value === '.' || value === '..';
const DOT_SEGMENTS = new Set(['.', '%2e', '..', '.%2e', '%2e.', '%2e%2e']);

/** The first variable of `template` whose value is `bad`, for the error's `variable`. */
function culprit(template: string, vars: Variables, bad: (value: string) => boolean): string | undefined {
  return templateVariables(template).find((name) => bad(lookup(vars, name) ?? ''));
}

/**
 * The rendered url as an http(s) URL, or a TemplateError. Its path must not hold a "." or ".." segment: the URL
 * parser would remove it and the one before, so a value ".." (even encoded: %2e%2e) would move the request up the
 * CRM's API path; no encoding can carry such a segment, so it is refused.
 */
function webAddress(rendered: string | undefined, template: string, vars: Variables, where: string): URL {
  const fail = (why: string, variable?: string): never => {
    throw new TemplateError(`${where} does not make a web address (${why})`, where, variable);
  };
  if (rendered === undefined) return fail('it came out empty');
  let url: URL;
  try {
    url = new URL(rendered);
  } catch {
    return fail(clip(rendered));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return fail(`${url.protocol} is not http or https`);
  // The path as written (the parser drops leading/trailing C0 controls and spaces, and every tab and newline).
  let start = 0;
  while (start < rendered.length && rendered.charCodeAt(start) <= 0x20) start++;
  const written = rendered.slice(start).replace(/[\t\n\r]/g, '');
  const path = written.replace(/^[A-Za-z][A-Za-z0-9+.-]*:[\\/]*[^\\/?#]*/, '').replace(/[?#][\s\S]*$/, '');
  if (path.split(/[\\/]/).some((segment) => DOT_SEGMENTS.has(segment.toLowerCase()))) {
    return fail('its path has a "." or ".." segment', culprit(template, vars, dotsOnly));
  }
  return url;
}

/** A header value fetch can send: no CR, LF or NUL (header injection), only Latin-1 (fetch's ByteString). */
function checkHeaderValue(value: string, template: string, vars: Variables, where: string): void {
  if (breaks(value)) {
    throw new TemplateError(`${where} would hold a line break or NUL, which a header cannot carry`, where, culprit(template, vars, breaks));
  }
  if (beyondLatin1(value)) {
    throw new TemplateError(
      `${where} would hold characters beyond Latin-1, which a header cannot carry`,
      where,
      culprit(template, vars, beyondLatin1),
    );
  }
}

/**
 * One step's request. The url is rendered with encode 'url' and must make an http(s) URL. `query` values are
 * rendered as they are and appended as `name=value` pairs, each side encodeURIComponent-ed (a space is %20, a + is
 * %2B), after the url's own query, which is kept as written; a value that comes out undefined or '' is left out.
 * Headers are rendered as they are; one that comes out undefined is left out; a line break in one is refused.
 * The body (POST/PUT/PATCH only) is JSON, or with bodyFormat 'form' its top-level properties form-encoded
 * (URLSearchParams: a space is +), a non-string value JSON-stringified. Throws TemplateError.
 */
export function renderStep(step: CrmActionStep, vars: Variables, options: { stepLabel: string }): RenderedRequest {
  const label = options.stepLabel;
  const urlWhere = `${label}: url`;
  const url = webAddress(renderString(step.url, vars, { encode: 'url', where: urlWhere }), step.url, vars, urlWhere);

  const pairs: string[] = [];
  for (const [name, template] of Object.entries(step.query ?? {})) {
    const value = renderString(template, vars, { encode: 'none', where: pathTo(`${label}: query`, name) });
    if (value) pairs.push(`${encodeURIComponent(wellFormed(name))}=${encodeURIComponent(wellFormed(value))}`);
  }
  if (pairs.length > 0) {
    const own = url.search.slice(1);
    url.search = own ? `${own}&${pairs.join('&')}` : pairs.join('&');
  }

  const headers: [string, string][] = [];
  for (const [name, template] of Object.entries(step.headers ?? {})) {
    const where = pathTo(`${label}: headers`, name);
    if (!HEADER_NAME.test(name)) throw new TemplateError(`${where}: "${clip(name)}" is not a header name`, where);
    const value = renderString(template, vars, { encode: 'none', where });
    if (value === undefined) continue;
    checkHeaderValue(value, template, vars, where);
    headers.push([name, value]);
  }

  const request: RenderedRequest = { method: step.method, url: url.href, headers: Object.fromEntries(headers) };
  if (step.body === undefined) return request;
  const bodyWhere = `${label}: body`;
  if (step.method === 'GET' || step.method === 'DELETE') throw new TemplateError(`${bodyWhere}: a ${step.method} request cannot carry a body`, bodyWhere);
  if (step.bodyFormat === 'form') {
    if (typeof step.body !== 'object' || step.body === null || Array.isArray(step.body)) {
      throw new TemplateError(`${bodyWhere}: a form body must be an object of fields`, bodyWhere);
    }
    const rendered = renderBody(step.body, vars, bodyWhere) as Record<string, JsonValue>;
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(rendered)) form.append(name, typeof value === 'string' ? value : JSON.stringify(value));
    request.body = form.toString();
    request.contentType = 'application/x-www-form-urlencoded';
    return request;
  }
  const rendered = renderBody(step.body, vars, bodyWhere);
  if (rendered === undefined) return request;
  request.body = JSON.stringify(rendered);
  request.contentType = 'application/json';
  return request;
}

// ---------------------------------------------------------------------------------------------------------------
// Answers

/**
 * RFC 6901: '' is the whole document; `~1` is '/', `~0` is '~'; array indexes are decimal without leading zeros.
 * The value as a string when it is a string, number (String(n): a JSON number beyond 2^53 has already lost digits
 * in JSON.parse) or boolean; undefined when missing, null, an object or an array, or the pointer is malformed.
 */
export function readPointer(json: unknown, pointer: string): string | undefined {
  if (pointer !== '' && !pointer.startsWith('/')) return undefined;
  let node: unknown = json;
  for (const raw of pointer === '' ? [] : pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
      node = node[Number(token)];
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, token)) {
      node = (node as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  return undefined;
}

/** A step's `capture` applied to its JSON answer: the variables whose pointer reads a non-empty value. */
export function captureValues(json: unknown, capture: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const entries: [string, string][] = [];
  for (const [name, pointer] of Object.entries(capture ?? {})) {
    const value = readPointer(json, pointer);
    if (value) entries.push([name, value]);
  }
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------------------------
// Checking a config

/** The variables a template names, functions' arguments included, each once, in order. */
export function templateVariables(template: string): string[] {
  return [...new Set(Array.from(template.matchAll(VARIABLE), (match) => match[1] ?? ''))];
}

/** The variables a body template names, each once, in order. */
export function bodyVariables(body: BodyTemplate): string[] {
  const names = new Set<string>();
  const walk = (node: BodyTemplate): void => {
    if (typeof node === 'string') for (const name of templateVariables(node)) names.add(name);
    else if (Array.isArray(node)) for (const item of node) walk(item);
    else if (node !== null && typeof node === 'object') for (const item of Object.values(node)) walk(item);
  };
  walk(body);
  return [...names];
}

/** Every string template of a step, with where it sits (without the step's label). */
function stepTemplates(step: CrmActionStep): { where: string; template: string }[] {
  const found: { where: string; template: string }[] = [{ where: 'url', template: step.url }];
  for (const [name, template] of Object.entries(step.query ?? {})) found.push({ where: pathTo('query', name), template });
  for (const [name, template] of Object.entries(step.headers ?? {})) found.push({ where: pathTo('headers', name), template });
  const walk = (node: BodyTemplate, where: string): void => {
    if (typeof node === 'string') found.push({ where, template: node });
    else if (Array.isArray(node)) for (const [index, item] of node.entries()) walk(item, pathTo(where, index));
    else if (node !== null && typeof node === 'object') for (const [key, value] of Object.entries(node)) walk(value, pathTo(where, key));
  };
  if (step.body !== undefined) walk(step.body, 'body');
  return found;
}

/** The message of the TemplateError `run` throws, or undefined; other errors are thrown on. */
function templateError(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof TemplateError) return error.message;
    throw error;
  }
}

/**
 * What is wrong with an action that its schema cannot say, each problem naming the action and step: a variable
 * neither `known` nor captured by an earlier step, a `when` on a variable no earlier step captures, an unknown
 * function or malformed call, a url that cannot make an http(s) URL (every variable set to 'x'), a header that
 * cannot be sent, a body on GET/DELETE, a form body that is not an object. [] when there is none.
 */
export function crmActionProblems(action: CrmAction, known: readonly string[]): string[] {
  const problems: string[] = [];
  const captured = new Set<string>();
  const capturedBy = new Map<string, string>();
  action.steps.forEach((step, index) => {
    for (const name of Object.keys(step.capture ?? {})) if (!capturedBy.has(name)) capturedBy.set(name, stepLabel(step, index));
  });
  action.steps.forEach((step, index) => {
    const prefix = `action "${action.name}", ${stepLabel(step, index)}`;
    const unavailable = (name: string, subject: string): string | undefined => {
      if (captured.has(name) || (known.includes(name) && subject !== 'when')) return undefined;
      const later = capturedBy.get(name);
      if (subject === 'when') {
        return later
          ? `${prefix}: when names {${name}}, which only ${later === stepLabel(step, index) ? 'this step' : later} captures; when can test only what an earlier step captured`
          : `${prefix}: when names {${name}}, which no earlier step captures`;
      }
      return later
        ? `${prefix}: ${subject} uses {${name}}, which is not a known variable and only ${later === stepLabel(step, index) ? 'this step' : later} captures; a step can use only what an earlier step captured`
        : `${prefix}: ${subject} uses {${name}}, which is neither a known variable (${known.map((k) => `{${k}}`).join(' ') || 'none'}) nor captured by an earlier step`;
    };
    for (const name of [step.when?.missing, step.when?.present]) {
      const problem = name === undefined ? undefined : unavailable(name, 'when');
      if (problem) problems.push(problem);
    }
    // Every variable set to 'x': what the url and headers make when the lead has everything.
    const everything: Record<string, string> = {};
    const compiles = new Set<string>();
    for (const { where, template } of stepTemplates(step)) {
      for (const name of templateVariables(template)) {
        const problem = unavailable(name, where);
        if (problem) problems.push(problem);
        everything[name] = 'x';
      }
      const problem = templateError(() => compile(template, `${prefix}: ${where}`));
      if (problem) problems.push(problem);
      else compiles.add(where);
    }
    const urlWhere = `${prefix}: url`;
    if (compiles.has('url')) {
      const problem = templateError(() => webAddress(renderString(step.url, everything, { encode: 'url', where: urlWhere }), step.url, everything, urlWhere));
      if (problem) problems.push(problem);
    }
    for (const [name, template] of Object.entries(step.headers ?? {})) {
      const where = `${prefix}: ${pathTo('headers', name)}`;
      if (!HEADER_NAME.test(name)) problems.push(`${where}: "${clip(name)}" is not a header name`);
      else if (compiles.has(pathTo('headers', name))) {
        const problem = templateError(() => {
          const value = renderString(template, everything, { encode: 'none', where });
          if (value !== undefined) checkHeaderValue(value, template, everything, where);
        });
        if (problem) problems.push(problem);
      }
    }
    if (step.body !== undefined && (step.method === 'GET' || step.method === 'DELETE')) {
      problems.push(`${prefix}: body: a ${step.method} request cannot carry a body`);
    }
    if (step.body !== undefined && step.bodyFormat === 'form' && (typeof step.body !== 'object' || step.body === null || Array.isArray(step.body))) {
      problems.push(`${prefix}: body: a form body must be an object of fields`);
    }
    for (const name of Object.keys(step.capture ?? {})) captured.add(name);
  });
  return problems;
}
